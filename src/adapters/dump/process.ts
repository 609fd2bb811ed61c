// Dump and restore tools as child processes: always an argument array (no shell), secrets only
// in the environment or a 0600 file in a private temp folder, never on the command line. A dump
// is read from the tool's standard output, which is a FIFO rather than a pipe: a pipe comes to
// Node as a socket of 64 KiB chunks, each a new buffer then copied into the chunking window
// (a 1 GiB dump: 2.3 s more CPU and 100 MB more memory than reading standard input), while a
// FIFO's file descriptor is read straight into the window. The read answers its end only after
// the tool exited 0 and the dump validated, and throws otherwise, so the repository never
// commits a failed or truncated dump.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, constants as fsc, mkdtempSync, openSync, read, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DumpReader } from '../../backup/ports.ts';
import { AppError } from '../../core/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The environment a tool gets: ours, with the variables given set (or removed when undefined). */
export function toolEnv(base: Env, set: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A private folder (0700) with a 0600 file in it; `remove()` deletes both. */
export function privateFile(name: string, content: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-secret-'));
  chmodSync(dir, 0o700);
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function exitOf(child: ChildProcess, command: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new AppError(e.code === 'ENOENT' ? 'not_found' : 'io', `cannot run ${command}: ${e.message}`, {
          where: command,
          cause: e,
        }),
      ),
    );
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Keeps the last `max` bytes written (a tool's stderr, a dump's trailer). */
class Tail {
  #buf = Buffer.alloc(0);
  readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  /** Copies what it keeps of `b` (which may be reused by the caller); never more than `max` bytes. */
  push(b: Uint8Array): void {
    if (b.length >= this.max) {
      this.#buf = Buffer.from(b.subarray(b.length - this.max));
      return;
    }
    const keep = Math.min(this.#buf.length, this.max - b.length);
    this.#buf = Buffer.concat([this.#buf.subarray(this.#buf.length - keep), b]);
  }
  get bytes(): Buffer {
    return this.#buf;
  }
  text(): string {
    return this.#buf
      .toString('utf8')
      .replace(/[^\x20-\x7e\n\t]/g, '?')
      .trim();
  }
}

function failure(command: string, e: Exit, stderr: Tail): AppError {
  const how = e.signal !== null ? `was killed by ${e.signal}` : `exited with status ${e.code}`;
  const last = stderr.text().split('\n').slice(-3).join(' | ');
  return new AppError('io', `${command} ${how}${last !== '' ? `: ${last}` : ''}`, { where: command });
}

export interface DumpOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Checks the finished dump (its last bytes; a side tool's verdict); a message when it is not valid. */
  validate?: (tail: Buffer) => Promise<string | null> | string | null;
  /** Sees every piece of the dump, as a view valid only during the call (copy what is kept). */
  tee?: (piece: Uint8Array) => void;
  /** Runs after the tool exited, whatever happened (removes secret files). */
  cleanup?: () => void;
}

/**
 * A FIFO in a private folder, opened for reading and writing (in that order, so neither open
 * blocks) and unlinked at once: the write end goes to the tool as its stdout, the read end is
 * read with blocking reads on libuv's pool.
 */
function fifoPair(): { r: number; w: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-dump-'));
  try {
    chmodSync(dir, 0o700);
    const path = join(dir, 'out');
    const made = spawnSync('mkfifo', ['-m', '600', path], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (made.status !== 0)
      throw new AppError('io', `cannot make a FIFO for the dump: mkfifo ${made.error?.message ?? made.stderr.trim()}`);
    // Non-blocking first (a FIFO's read open waits for a writer), then the write end, then the
    // blocking read end that is kept (Node cannot clear O_NONBLOCK on a descriptor).
    const probe = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
    try {
      const w = openSync(path, fsc.O_WRONLY);
      const r = openSync(path, fsc.O_RDONLY);
      return { r, w };
    } finally {
      closeSync(probe);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The tool's standard output read into the caller's buffers, started at the first read. The read
 * that finds the end answers 0 only once the tool exited 0 and the dump validated; otherwise it
 * throws (and the repository does not commit).
 */
export function dumpReader(o: DumpOptions): DumpReader {
  let started: { child: ChildProcess; exited: Promise<Exit>; r: number; ended: boolean } | null = null;
  let closed = false;
  const stderr = new Tail(4096);
  const tail = new Tail(4096);
  const start = () => {
    const { r, w } = fifoPair();
    let child: ChildProcess;
    try {
      child = spawn(o.command, [...o.args], { stdio: ['ignore', w, 'pipe'], env: o.env });
    } finally {
      closeSync(w); // the child has its own copy: the end of the dump is when the tool closes it
    }
    const exited = exitOf(child, o.command);
    exited.catch(() => {}); // reported at the end of the dump
    child.stderr?.on('data', (b: Buffer) => stderr.push(b));
    started = { child, exited, r, ended: false };
    return started;
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    const s = started;
    if (s !== null) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await s.exited.catch(() => {});
      closeSync(s.r);
    }
    o.cleanup?.();
  };
  return {
    async readInto(buf: Buffer): Promise<number> {
      if (closed) throw new AppError('internal', 'the dump reader is closed');
      const s = started ?? start();
      // A FIFO gives at most its capacity (64 KiB) a read: the buffer is filled by several, so
      // the store takes and hashes 4 MiB steps, not 16,000 small ones a GiB.
      let n = 0;
      while (n < buf.length && !s.ended) {
        const got = await new Promise<number>((resolve, reject) =>
          read(s.r, buf, n, buf.length - n, null, (e, k) => (e ? reject(e) : resolve(k))),
        );
        if (got === 0) s.ended = true;
        n += got;
      }
      if (n > 0) {
        const piece = buf.subarray(0, n);
        tail.push(piece);
        o.tee?.(piece);
        return n;
      }
      try {
        const e = await s.exited;
        if (e.code !== 0) throw failure(o.command, e, stderr);
        const problem = (await o.validate?.(tail.bytes)) ?? null;
        if (problem !== null)
          throw new AppError('corrupt', `the dump of ${o.command} is not valid: ${problem}`, { where: o.command });
        return 0;
      } finally {
        await close();
      }
    },
    close,
  };
}

/** The same dump as a stream of 1 MiB pieces, each in memory of its own (for a side tool to keep). */
export async function* dumpStream(o: DumpOptions): AsyncIterable<Uint8Array> {
  const reader = dumpReader(o);
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const n = await reader.readInto(buf);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    await reader.close();
  }
}

/** Runs a tool with `input` on its standard input; throws unless it exits 0. Returns its stdout. */
export async function runWithInput(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input: AsyncIterable<Uint8Array> | null,
): Promise<string> {
  const child = spawn(command, [...args], { stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'], env });
  const exited = exitOf(child, command);
  const stderr = new Tail(4096);
  const stdout = new Tail(1 << 20);
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  child.stdout?.on('data', (b: Buffer) => stdout.push(b));
  let fed: Promise<void> = Promise.resolve();
  if (input !== null && child.stdin !== null) {
    fed = pipeline(Readable.from(input), child.stdin).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e; // the tool stopped reading: its exit status says why
    });
  }
  let e: Exit;
  try {
    [e] = await Promise.all([exited, fed]);
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
  if (e.code !== 0) throw failure(command, e, stderr);
  return stdout.bytes.toString('utf8');
}

/**
 * A side tool fed chunk by chunk (pg_restore --list validating a dump as it streams); `result()`
 * closes its input and resolves with its stdout when it exited 0. Writes after it stopped
 * reading are dropped (it may have read all it needs).
 */
export function sideTool(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const exited = exitOf(child, command);
  exited.catch(() => {});
  const stderr = new Tail(4096);
  const stdout = new Tail(1 << 20);
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  child.stdout?.on('data', (b: Buffer) => stdout.push(b));
  child.stdin?.on('error', () => {}); // EPIPE once it has read enough
  return {
    write(chunk: Uint8Array): void {
      if (child.stdin !== null && !child.stdin.destroyed && child.exitCode === null) child.stdin.write(chunk);
    },
    async result(): Promise<string> {
      child.stdin?.end();
      const e = await exited;
      if (e.code !== 0) throw failure(command, e, stderr);
      return stdout.bytes.toString('utf8');
    },
    kill(): void {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
