// The snapshot repository on an SFTP server (ssh2): the same layout as the local folder
// (config, keys/, locks/, snapshots/, index/, data/XX/). One SSH connection is opened on first
// use and kept for every later call; a broken one is dropped and the next call reconnects
// (retries live in retry.ts). The server's host key must match the pinned SHA-256
// fingerprint, or nothing is sent. A put writes `.tmp-<random>` beside the final name, fsyncs
// it and renames it into place (posix-rename@openssh.com when the server offers it), so list()
// never sees half a file. Failures are AppErrors: network trouble is transient, the rest not.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import { z } from 'zod';
import {
  ENV_NAME,
  FINGERPRINT,
  definedOnly,
  remoteFields,
  type LocationOptions,
  type ParsedLocation,
} from '../../core/config/backends.ts';
import { AppError } from '../../core/errors.ts';
import type { Backend, FileInfo, FileType } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';
import { withRetries } from './retry.ts';

// ---- component: a repository on an SFTP server (`sftp://user@host[:port]/folder`) ------------

export const type = 'sftp';

export const schema = z
  .strictObject({
    type: z.literal('sftp').describe('An SFTP server (OpenSSH, a storage box, a NAS).'),
    host: z.string().min(1).describe('Host name or address of the server.'),
    port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
    user: z.string().min(1).describe('Login name on the server.'),
    path: z
      .string()
      .min(1)
      .describe('Folder of the repository on the server (absolute, or relative to the login folder).'),
    hostKey: z
      .string()
      .regex(FINGERPRINT, 'a SHA-256 fingerprint like SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU')
      .describe(
        "The server's host key fingerprint (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server, or `ssh-keyscan HOST | ssh-keygen -lf -`). Any other key is refused.",
      ),
    identityFile: z
      .string()
      .min(1)
      .optional()
      .describe('Private key file for key authentication (readable only by the Ripcord user).'),
    passwordEnv: z
      .string()
      .regex(ENV_NAME, 'an environment variable name')
      .optional()
      .describe('Name of the environment variable holding the password, for password authentication.'),
    ...remoteFields,
  })
  .describe('Repository on an SFTP server.');

export type SftpBackendSpec = z.infer<typeof schema>;

/** `sftp://user@host[:port]/abs/path` is an absolute folder, `sftp://user@host/~/rel` one relative to the login folder. */
export function fromLocation(
  text: string,
  opts: LocationOptions,
  resolve: (p: string) => string,
): ParsedLocation | null {
  if (!text.startsWith('sftp:')) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'write an SFTP location as sftp://user@host[:port]/folder' };
  }
  if (!text.startsWith('sftp://') || url.username === '' || url.hostname === '' || url.pathname.length < 2)
    return { ok: false, message: 'write an SFTP location as sftp://user@host[:port]/folder' };
  if (url.password !== '')
    return {
      ok: false,
      message: 'no password in the location: name an environment variable that holds it with passwordEnv',
    };
  if (opts.hostKey === undefined)
    return {
      ok: false,
      field: 'hostKey',
      message:
        "an SFTP location needs hostKey: the server's SHA-256 host key fingerprint (`ssh-keyscan HOST | ssh-keygen -lf -`)",
    };
  const path = decodeURIComponent(url.pathname);
  const spec = schema.safeParse({
    type: 'sftp',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    user: decodeURIComponent(url.username),
    path: path.startsWith('/~/') ? path.slice(3) : path,
    hostKey: opts.hostKey,
    ...definedOnly({
      identityFile: opts.identityFile === undefined ? undefined : resolve(opts.identityFile),
      passwordEnv: opts.passwordEnv,
    }),
    ...definedOnly({ timeoutSeconds: opts.timeoutSeconds, retries: opts.retries }),
  });
  return spec.success ? { ok: true, spec: spec.data } : { ok: false, message: spec.error.issues[0]?.message ?? '' };
}

/** The location for messages: never a password (there is none in it) and no options. */
export function describe(spec: SftpBackendSpec): string {
  return `sftp://${spec.user}@${spec.host}${spec.port !== 22 ? `:${spec.port}` : ''}${spec.path.startsWith('/') ? '' : '/~/'}${spec.path}`;
}

// ssh2 takes about 0.1 s to load: it is loaded on the first connection, not by every command
// that reads the configuration (which needs this module's schema).
const loadSsh2 = () => import('ssh2');

const NAME = /^[0-9a-f]{64}$/;
/** Bytes per SFTP read or write request, and how many are in flight at once. */
const SLICE = 64 * 1024;
const PARALLEL = 16;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
const NO_SUCH_FILE = 2;
const NO_CONNECTION = 6;
const CONNECTION_LOST = 7;

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/** OpenSSH's SHA-256 fingerprint of a raw public key: SHA256:<unpadded base64>. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

interface Conn {
  client: Client;
  sftp: SFTPWrapper;
  /** Rejects when the connection ends: requests in flight on it will never be answered. */
  dead: Promise<never>;
  posixRename: boolean;
  fsync: boolean;
}

/** Classifies what ssh2 threw; `where` names the file for the message. */
function classify(e: unknown, where: string): AppError {
  if (e instanceof AppError) return e;
  const err = e as Error & { code?: unknown; level?: string };
  if (err.code === NO_SUCH_FILE)
    return new AppError('not_found', 'no such file in the repository', { where, cause: e });
  const transient =
    (typeof err.code === 'string' && TRANSIENT_CODES.has(err.code)) ||
    err.code === NO_CONNECTION ||
    err.code === CONNECTION_LOST ||
    err.level === 'client-timeout' ||
    err.level === 'client-socket' ||
    /not connected|no response|timed out|connection (lost|closed|reset)|channel (open failure|closed)|ended|closed/i.test(
      err.message ?? '',
    );
  if (err.level === 'client-authentication')
    return new AppError('auth', 'the SFTP server refused the login (check user, identityFile or password)', {
      where,
      cause: e,
    });
  return new AppError(transient ? 'unavailable' : 'io', `SFTP: ${err.message ?? String(e)}`, {
    where,
    cause: e,
    transient,
  });
}

const call = <T>(f: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

export class SftpBackend implements Backend {
  readonly location: string;
  readonly #spec: SftpBackendSpec;
  readonly #password: string | undefined;
  readonly #privateKey: Buffer | undefined;
  readonly #made = new Set<string>();
  #conn: Promise<Conn> | null = null;
  /** Every connection opened (tests check that one is reused). */
  connections = 0;

  constructor(spec: SftpBackendSpec, secrets: { password?: string | undefined; privateKey?: Buffer | undefined }) {
    this.#spec = spec;
    this.location = describe(spec);
    this.#password = secrets.password;
    this.#privateKey = secrets.privateKey;
  }

  #root(): string {
    return this.#spec.path.replace(/\/+$/, '') || '/';
  }

  #dir(type: FileType, name: string): string {
    const root = this.#root();
    if (type === 'config') {
      if (name !== 'config') throw new AppError('usage', 'the config file is called config', { where: name });
      return root;
    }
    if (!NAME.test(name))
      throw new AppError('usage', 'repository file names are 64 hex digits', { where: `${type}/${name}` });
    return type === 'data' ? `${root}/data/${name.slice(0, 2)}` : `${root}/${type}`;
  }

  #connect(): Promise<Conn> {
    if (this.#conn !== null) return this.#conn;
    const spec = this.#spec;
    const p = loadSsh2().then(
      ({ Client: SshClient }) =>
        new Promise<Conn>((resolve, reject) => {
          const client: Client = new SshClient();
          let seen: string | null = null;
          let settled = false;
          let die: (e: AppError) => void = () => undefined;
          const dead = new Promise<never>((_, rej) => {
            die = rej;
          });
          dead.catch(() => undefined);
          const fail = (e: unknown): void => {
            if (settled) return;
            settled = true;
            client.destroy();
            reject(e);
          };
          const cfg: ConnectConfig = {
            host: spec.host,
            port: spec.port,
            username: spec.user,
            readyTimeout: spec.timeoutSeconds * 1000,
            keepaliveInterval: 15_000,
            keepaliveCountMax: 3,
            hostVerifier: (key: Buffer) => {
              seen = fingerprint(key);
              return seen === spec.hostKey;
            },
          };
          if (this.#privateKey !== undefined) cfg.privateKey = this.#privateKey;
          if (this.#password !== undefined) cfg.password = this.#password;
          client.on('error', (e: Error & { level?: string }) => {
            if (this.#conn === p) this.#conn = null;
            die(classify(e, this.location));
            if (seen !== null && seen !== spec.hostKey) {
              fail(
                new AppError(
                  'refused',
                  `the server's host key is ${seen}, not the pinned ${spec.hostKey}: refusing to connect`,
                  {
                    where: this.location,
                    details: [
                      'if the server was reinstalled or its key rotated, check the new key on the server itself (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and put that fingerprint in hostKey',
                    ],
                  },
                ),
              );
              return;
            }
            fail(classify(e, this.location));
          });
          client.on('close', () => {
            if (this.#conn === p) this.#conn = null;
            die(new AppError('unavailable', 'SFTP: connection lost', { where: this.location, transient: true }));
            fail(new AppError('unavailable', 'SFTP: connection closed', { where: this.location, transient: true }));
          });
          client.on('ready', () => {
            client.sftp((err, sftp) => {
              if (err) return fail(classify(err, this.location));
              settled = true;
              // ssh2 keeps the server's extensions on the wrapper; OpenSSH offers both.
              const ext = (sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
              resolve({
                client,
                sftp,
                dead,
                posixRename: ext['posix-rename@openssh.com'] !== undefined,
                fsync: ext['fsync@openssh.com'] !== undefined,
              });
            });
          });
          this.connections++;
          client.connect(cfg);
        }),
    );
    this.#conn = p;
    p.catch(() => {
      if (this.#conn === p) this.#conn = null;
    });
    return p;
  }

  /** Runs an operation on the connection, with a timeout; a failure drops a broken connection. */
  async #op<T>(where: string, f: (c: Conn) => Promise<T>, bytes = 0): Promise<T> {
    const c = await this.#connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          // A hung connection is dropped so the retry gets a fresh one.
          c.client.destroy();
          if (this.#conn !== null) this.#conn = null;
          reject(new AppError('unavailable', 'SFTP: operation timed out', { where, transient: true }));
          // Big transfers get a second more for every 256 KiB (a slow uplink is not a hang).
        },
        this.#spec.timeoutSeconds * 1000 + Math.ceil(bytes / 262_144) * 1000,
      );
    });
    try {
      return await Promise.race([f(c), timeout, c.dead]);
    } catch (e) {
      const err = classify(e, where);
      if (err.transient) {
        c.client.destroy();
        this.#conn = null;
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async #mkdirs(c: Conn, dir: string): Promise<void> {
    if (this.#made.has(dir)) return;
    const parts = dir.split('/');
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      cur = i === 0 ? (parts[0] as string) : `${cur}/${parts[i] as string}`;
      if (cur === '' || cur === '.' || this.#made.has(cur)) continue;
      try {
        await call<void>((cb) => c.sftp.mkdir(cur, { mode: 0o700 }, (e) => cb(e, undefined)));
      } catch (e) {
        // Already there (SFTP says only "failure"): fine when it is a folder.
        const st = await call<{ isDirectory(): boolean }>((cb) => c.sftp.stat(cur, cb)).catch(() => null);
        if (st === null || !st.isDirectory()) throw e;
      }
      this.#made.add(cur);
    }
  }

  async put(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const dir = this.#dir(type, name);
    const path = `${dir}/${name}`;
    const parts = data instanceof Uint8Array ? [data] : data;
    const size = parts.reduce((n, p) => n + p.length, 0);
    await this.#op(
      `${this.location}: ${type}/${name}`,
      async (c) => {
        await this.#mkdirs(c, dir);
        // Names are content hashes: a file already there has these bytes.
        if (type !== 'config') {
          const st = await call<{ size: number }>((cb) => c.sftp.stat(path, cb)).catch(() => null);
          if (st !== null && st.size === size) return;
        }
        const tmp = `${dir}/.tmp-${randomBytes(8).toString('hex')}`;
        const handle = await call<Buffer>((cb) => c.sftp.open(tmp, 'w', { mode: 0o600 }, cb));
        try {
          const slices: { buf: Uint8Array; pos: number }[] = [];
          let pos = 0;
          for (const p of parts) {
            for (let off = 0; off < p.length; off += SLICE) {
              const buf = p.subarray(off, Math.min(p.length, off + SLICE));
              slices.push({ buf, pos });
              pos += buf.length;
            }
          }
          await inParallel(slices, PARALLEL, (s) =>
            call<void>((cb) => c.sftp.write(handle, s.buf as Buffer, 0, s.buf.length, s.pos, (e) => cb(e, undefined))),
          );
          if (c.fsync) await call<void>((cb) => c.sftp.ext_openssh_fsync(handle, (e) => cb(e, undefined)));
        } catch (e) {
          await call<void>((cb) => c.sftp.close(handle, (err) => cb(err, undefined))).catch(() => undefined);
          await call<void>((cb) => c.sftp.unlink(tmp, (err) => cb(err, undefined))).catch(() => undefined);
          throw e;
        }
        await call<void>((cb) => c.sftp.close(handle, (e) => cb(e, undefined)));
        if (c.posixRename) await call<void>((cb) => c.sftp.ext_openssh_rename(tmp, path, (e) => cb(e, undefined)));
        else {
          // Plain SFTP rename fails when the target exists: only the config is ever replaced.
          if (type === 'config') await call<void>((cb) => c.sftp.unlink(path, (e) => cb(e, undefined))).catch(() => 0);
          await call<void>((cb) => c.sftp.rename(tmp, path, (e) => cb(e, undefined)));
        }
      },
      size,
    );
  }

  async get(type: FileType, name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const path = `${this.#dir(type, name)}/${name}`;
    const where = `${type}/${name}`;
    return this.#op(
      where,
      async (c) => {
        const handle = await call<Buffer>((cb) => c.sftp.open(path, 'r', cb));
        try {
          const st = await call<{ size: number }>((cb) => c.sftp.fstat(handle, cb));
          const offset = range?.offset ?? 0;
          const length = range?.length ?? st.size;
          if (offset + length > st.size)
            throw new AppError('corrupt', `file ends before offset ${offset + length}`, { where });
          const buf = Buffer.allocUnsafe(length);
          const slices: number[] = [];
          for (let off = 0; off < length; off += SLICE) slices.push(off);
          await inParallel(slices, PARALLEL, async (off) => {
            const want = Math.min(SLICE, length - off);
            let got = 0;
            while (got < want) {
              const n = await call<number>((cb) =>
                c.sftp.read(handle, buf, off + got, want - got, offset + off + got, (e, bytes) => cb(e, bytes)),
              );
              if (n === 0) throw new AppError('corrupt', `file ends before offset ${offset + length}`, { where });
              got += n;
            }
          });
          return buf;
        } finally {
          await call<void>((cb) => c.sftp.close(handle, (e) => cb(e, undefined))).catch(() => undefined);
        }
      },
      range?.length ?? 16 * 1024 * 1024,
    );
  }

  async stat(type: FileType, name: string): Promise<FileInfo | null> {
    const path = `${this.#dir(type, name)}/${name}`;
    try {
      return await this.#op(`${type}/${name}`, async (c) => {
        const st = await call<{ size: number }>((cb) => c.sftp.stat(path, cb));
        return { name, size: st.size };
      });
    } catch (e) {
      if (e instanceof AppError && e.code === 'not_found') return null;
      throw e;
    }
  }

  async #listDir(c: Conn, dir: string): Promise<FileInfo[]> {
    let items: { filename: string; attrs: { size: number; mode: number } }[];
    try {
      items = await call((cb) => c.sftp.readdir(dir, cb));
    } catch (e) {
      if ((e as { code?: unknown }).code === NO_SUCH_FILE) return [];
      throw e;
    }
    const out: FileInfo[] = [];
    for (const it of items)
      if (NAME.test(it.filename) && (it.attrs.mode & S_IFMT) === S_IFREG)
        out.push({ name: it.filename, size: it.attrs.size });
    return out;
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === 'config') {
      const s = await this.stat('config', 'config');
      return s === null ? [] : [s];
    }
    const root = this.#root();
    return this.#op(`${this.location}: ${type}/`, async (c) => {
      if (type !== 'data') return this.#listDir(c, `${root}/${type}`);
      let subs: { filename: string }[];
      try {
        subs = await call((cb) => c.sftp.readdir(`${root}/data`, cb));
      } catch (e) {
        if ((e as { code?: unknown }).code === NO_SUCH_FILE) return [];
        throw e;
      }
      const out: FileInfo[] = [];
      for (const s of subs.map((x) => x.filename).sort())
        if (/^[0-9a-f]{2}$/.test(s)) out.push(...(await this.#listDir(c, `${root}/data/${s}`)));
      return out;
    });
  }

  async remove(type: FileType, name: string): Promise<void> {
    const path = `${this.#dir(type, name)}/${name}`;
    try {
      await this.#op(`${type}/${name}`, (c) => call<void>((cb) => c.sftp.unlink(path, (e) => cb(e, undefined))));
    } catch (e) {
      if (e instanceof AppError && e.code === 'not_found') return;
      throw e;
    }
  }

  async close(): Promise<void> {
    const p = this.#conn;
    this.#conn = null;
    if (p === null) return;
    const c = await p.catch(() => null);
    c?.client.end();
  }
}

async function inParallel<T>(items: readonly T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await f(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Builds the backend from its spec: reads the key file, takes the password from the environment. */
export function create(spec: SftpBackendSpec, ctx: BackendContext): Backend {
  let privateKey: Buffer | undefined;
  if (spec.identityFile !== undefined) {
    try {
      privateKey = readFileSync(spec.identityFile);
    } catch (e) {
      throw new AppError('not_found', `cannot read the SSH key file: ${(e as Error).message}`, {
        where: spec.identityFile,
      });
    }
  }
  let password: string | undefined;
  if (spec.passwordEnv !== undefined) {
    password = ctx.env[spec.passwordEnv];
    if (password === undefined || password === '')
      throw new AppError('usage', `the environment variable ${spec.passwordEnv} (the SFTP password) is not set`);
  }
  if (privateKey === undefined && password === undefined)
    throw new AppError('usage', 'an SFTP repository needs identityFile or passwordEnv', {
      where: describe(spec),
    });
  return withRetries(new SftpBackend(spec, { password, privateKey }), { retries: spec.retries, ...ctx.retry });
}
