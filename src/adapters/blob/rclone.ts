// The snapshot repository on any rclone remote (S3 and compatibles, B2, Azure, WebDAV, SFTP,
// Google Drive...), by running Debian's `rclone` with argument arrays: `rcat` to upload,
// `moveto` to put it in place, `cat --offset --count` to read, `lsjson` to list and stat,
// `deletefile` to delete. The layout is the local folder's. The remote is configured in an
// rclone config file (RCLONE_CONFIG) or RCLONE_CONFIG_* variables, so no secret is ever on
// a command line. A put uploads to tmp/<random> first and then moves it into place: on every
// remote the final name appears whole or not at all, and list() never looks under tmp/.
// rclone's exit status 5 (and network-sounding errors) are transient, retried by retry.ts.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { definedOnly, remoteFields, type LocationOptions, type ParsedLocation } from '../../core/config/backends.ts';
import { AppError } from '../../core/errors.ts';
import type { Backend, FileInfo, FileType } from '../../snapshots/index.ts';
import type { BackendContext } from './context.ts';
import { withRetries } from './retry.ts';

// ---- component: a repository on an rclone remote (`rclone:remote:path`) --------------------

export const type = 'rclone';

export const schema = z
  .strictObject({
    type: z.literal('rclone').describe('Any remote rclone knows (S3 and compatibles, B2, Azure, WebDAV, SFTP...).'),
    remote: z
      .string()
      .regex(/^[A-Za-z0-9_.][A-Za-z0-9_. -]*:/, 'remote:path, as rclone writes it')
      .describe('rclone remote and path of the repository, e.g. `b2shop:bucket/ripcord`.'),
    configFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "rclone config file defining the remote (default: rclone's own). Secrets stay in that file or in RCLONE_CONFIG_* environment variables, never on a command line.",
      ),
    binary: z.string().min(1).default('rclone').describe('The rclone program to run.'),
    ...remoteFields,
  })
  .describe('Repository on an rclone remote, through the rclone program.');

export type RcloneBackendSpec = z.infer<typeof schema>;

export function fromLocation(
  text: string,
  opts: LocationOptions,
  resolve: (p: string) => string,
): ParsedLocation | null {
  if (!text.startsWith('rclone:')) return null;
  const spec = schema.safeParse({
    type: 'rclone',
    remote: text.slice('rclone:'.length),
    ...definedOnly({ configFile: opts.rcloneConfig === undefined ? undefined : resolve(opts.rcloneConfig) }),
    ...definedOnly({ timeoutSeconds: opts.timeoutSeconds, retries: opts.retries }),
  });
  return spec.success
    ? { ok: true, spec: spec.data }
    : { ok: false, message: 'write an rclone location as rclone:remote:path (a remote from the rclone config)' };
}

/** The location for messages. */
export function describe(spec: RcloneBackendSpec): string {
  return `rclone:${spec.remote}`;
}

const NAME = /^[0-9a-f]{64}$/;
const NOT_FOUND = /not found|doesn't exist|does not exist|no such file/i;
const NETWORKY =
  /connection (reset|refused|closed)|timeout|timed out|broken pipe|EOF|temporar|unavailable|too many requests|dial tcp|i\/o timeout/i;

interface Run {
  code: number | null;
  stdout: Buffer;
  /** The last meaningful line of rclone's log (secrets are not in it: rclone does not print them). */
  error: string;
}

export class RcloneBackend implements Backend {
  readonly location: string;
  readonly #spec: RcloneBackendSpec;
  readonly #env: NodeJS.ProcessEnv;

  constructor(spec: RcloneBackendSpec, env: Readonly<Record<string, string | undefined>>) {
    this.#spec = spec;
    this.location = describe(spec);
    this.#env = { ...env };
    if (spec.configFile !== undefined) this.#env['RCLONE_CONFIG'] = spec.configFile;
  }

  #path(rel: string): string {
    const r = this.#spec.remote;
    return r.endsWith(':') || r.endsWith('/') ? `${r}${rel}` : `${r}/${rel}`;
  }

  #file(type: FileType, name: string): string {
    if (type === 'config') {
      if (name !== 'config') throw new AppError('usage', 'the config file is called config', { where: name });
      return this.#path('config');
    }
    if (!NAME.test(name))
      throw new AppError('usage', 'repository file names are 64 hex digits', { where: `${type}/${name}` });
    return this.#path(type === 'data' ? `data/${name.slice(0, 2)}/${name}` : `${type}/${name}`);
  }

  /** Runs rclone with arguments (never a shell), feeding `input` on stdin. */
  #run(args: string[], input?: readonly Uint8Array[], bytes = 0): Promise<Run> {
    return new Promise((resolve, reject) => {
      // rclone retries nothing itself: retry.ts decides, with backoff, for every operation alike.
      const child = spawn(
        this.#spec.binary,
        ['--retries', '1', '--low-level-retries', '2', '--log-level', 'ERROR', ...args],
        { env: this.#env, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const out: Buffer[] = [];
      let err = '';
      let timedOut = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          child.kill('SIGKILL');
        },
        this.#spec.timeoutSeconds * 1000 + Math.ceil(bytes / 262_144) * 1000,
      );
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => {
        if (err.length < 65_536) err += d.toString('utf8');
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new AppError(
            e.code === 'ENOENT' ? 'not_found' : 'io',
            e.code === 'ENOENT'
              ? `cannot run ${this.#spec.binary}: install rclone (Debian package rclone)`
              : `cannot run rclone: ${e.message}`,
            { where: this.location },
          ),
        );
      });
      child.stdin.on('error', () => undefined); // rclone failing early closes its stdin; its exit code tells
      child.on('close', (code) => {
        clearTimeout(timer);
        const lines = err
          .split('\n')
          .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim())
          .filter((l) => l !== '');
        if (timedOut) {
          reject(new AppError('unavailable', 'rclone timed out', { where: this.location, transient: true }));
          return;
        }
        resolve({ code, stdout: Buffer.concat(out), error: lines.at(-1) ?? `rclone exited with ${code}` });
      });
      if (input !== undefined) {
        void (async () => {
          for (const p of input) if (!child.stdin.write(p)) await new Promise((r) => child.stdin.once('drain', r));
          child.stdin.end();
        })();
      } else child.stdin.end();
    });
  }

  #fail(r: Run, where: string): AppError {
    if ((r.code === 3 || r.code === 4) && NOT_FOUND.test(r.error))
      return new AppError('not_found', 'no such file in the repository', { where });
    const transient = r.code === 5 || NETWORKY.test(r.error);
    return new AppError(transient ? 'unavailable' : 'io', `rclone: ${r.error}`, { where, transient });
  }

  async put(type: FileType, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const final = this.#file(type, name);
    const parts = data instanceof Uint8Array ? [data] : data;
    const size = parts.reduce((n, p) => n + p.length, 0);
    const tmp = this.#path(`tmp/${randomBytes(8).toString('hex')}`);
    const where = `${this.location}: ${type}/${name}`;
    const up = await this.#run(['rcat', '--size', String(size), tmp], parts, size);
    if (up.code !== 0) {
      // Whatever part arrived (a remote that filled up) goes too: it would only take room.
      await this.#run(['deletefile', tmp]).catch(() => undefined);
      throw this.#fail(up, where);
    }
    const mv = await this.#run(['moveto', tmp, final], undefined, size);
    if (mv.code !== 0) {
      await this.#run(['deletefile', tmp]).catch(() => undefined);
      throw this.#fail(mv, where);
    }
  }

  async get(type: FileType, name: string, range?: { offset: number; length: number }): Promise<Buffer> {
    const where = `${type}/${name}`;
    const file = this.#file(type, name);
    // `cat` of a missing file prints nothing and succeeds on some remotes: stat first.
    const st = await this.stat(type, name);
    if (st === null) throw new AppError('not_found', 'no such file in the repository', { where });
    if (range !== undefined && range.offset + range.length > st.size)
      throw new AppError('corrupt', `file ends before offset ${range.offset + range.length}`, { where });
    const args =
      range === undefined
        ? ['cat', file]
        : ['cat', '--offset', String(range.offset), '--count', String(range.length), file];
    const want = range?.length ?? st.size;
    const r = await this.#run(args, undefined, want);
    if (r.code !== 0) throw this.#fail(r, where);
    if (r.stdout.length !== want)
      throw new AppError('unavailable', `rclone returned ${r.stdout.length} of ${want} bytes`, {
        where,
        transient: true,
      });
    return r.stdout;
  }

  async stat(type: FileType, name: string): Promise<FileInfo | null> {
    const r = await this.#run(['lsjson', '--files-only', this.#file(type, name)]);
    if (r.code === 3 || r.code === 4) return null;
    if (r.code !== 0) throw this.#fail(r, `${type}/${name}`);
    const items = JSON.parse(r.stdout.toString('utf8')) as { Name: string; Size: number }[];
    const f = items.find((x) => x.Name === name);
    return f === undefined ? null : { name, size: f.Size };
  }

  async list(type: FileType): Promise<FileInfo[]> {
    if (type === 'config') {
      const s = await this.stat('config', 'config');
      return s === null ? [] : [s];
    }
    const r = await this.#run(['lsjson', '--files-only', ...(type === 'data' ? ['-R'] : []), this.#path(type)]);
    if (r.code === 3) return [];
    if (r.code !== 0) throw this.#fail(r, `${this.location}: ${type}/`);
    const items = JSON.parse(r.stdout.toString('utf8')) as { Path: string; Name: string; Size: number }[];
    return items
      .filter((x) =>
        type === 'data' ? /^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(x.Path) && x.Path.startsWith(x.Name.slice(0, 2)) : true,
      )
      .filter((x) => NAME.test(x.Name))
      .map((x) => ({ name: x.Name, size: x.Size }));
  }

  async remove(type: FileType, name: string): Promise<void> {
    const r = await this.#run(['deletefile', this.#file(type, name)]);
    if (r.code === 0) return;
    const e = this.#fail(r, `${type}/${name}`);
    if (e.code === 'not_found' || NOT_FOUND.test(r.error)) return;
    throw e;
  }

  async close(): Promise<void> {
    // One process per operation: nothing held open.
  }
}

export function create(spec: RcloneBackendSpec, ctx: BackendContext): Backend {
  return withRetries(new RcloneBackend(spec, ctx.env), { retries: spec.retries, ...ctx.retry });
}
