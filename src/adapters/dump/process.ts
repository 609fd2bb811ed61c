// Dump and restore tools as child processes: always an argument array (no shell), secrets only
// in the environment or a 0600 file in a private temp folder, never on the command line. A dump
// is read as a stream whose iteration throws at the end when the tool did not exit 0 or the
// dump did not validate, so the repository never commits it.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  push(b: Uint8Array): void {
    this.#buf = Buffer.concat([this.#buf, b]);
    if (this.#buf.length > this.max) this.#buf = this.#buf.subarray(this.#buf.length - this.max);
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
  /** Sees every chunk (a validator fed as the dump goes). */
  tee?: (chunk: Uint8Array) => void;
  /** Runs after the tool exited, whatever happened (removes secret files). */
  cleanup?: () => void;
}

/** The tool's standard output; throws at the end unless it exited 0 and the dump validated. */
export async function* dumpStream(o: DumpOptions): AsyncIterable<Uint8Array> {
  const child = spawn(o.command, [...o.args], { stdio: ['ignore', 'pipe', 'pipe'], env: o.env });
  const exited = exitOf(child, o.command);
  exited.catch(() => {}); // reported below, after the output
  const stderr = new Tail(4096);
  const tail = new Tail(4096);
  child.stderr?.on('data', (b: Buffer) => stderr.push(b));
  let done = false;
  try {
    const out = child.stdout;
    if (out === null) throw new AppError('internal', 'no stdout');
    for await (const chunk of out as AsyncIterable<Buffer>) {
      tail.push(chunk);
      o.tee?.(chunk);
      yield chunk;
    }
    const e = await exited;
    done = true;
    if (e.code !== 0) throw failure(o.command, e, stderr);
    const problem = (await o.validate?.(tail.bytes)) ?? null;
    if (problem !== null)
      throw new AppError('corrupt', `the dump of ${o.command} is not valid: ${problem}`, { where: o.command });
  } finally {
    if (!done && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    o.cleanup?.();
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
