// Where a snapshot repository lives: the typed spec of each storage backend (a local folder,
// an SFTP server, any rclone remote), the location shorthand users write (`/srv/repo`,
// `sftp://user@host:port/path`, `rclone:remote:path`) and how a location plus its options
// becomes a spec. Pure: the adapters in src/adapters/blob/ build backends from these specs.

import { z } from 'zod';

/** An OpenSSH SHA-256 host key fingerprint, as `ssh-keygen -lf` prints it. */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const retries = z
  .number()
  .int()
  .min(0)
  .max(20)
  .default(5)
  .describe('How often a transient failure (connection reset, timeout) is retried, with backoff, before giving up.');
const timeoutSeconds = z
  .number()
  .positive()
  .max(3600)
  .default(30)
  .describe('Seconds one operation (connect, or one file transfer step) may take before it counts as a timeout.');

export const localBackendSchema = z
  .strictObject({
    type: z.literal('local').describe('A folder on this machine (or a mounted disk).'),
    path: z.string().min(1).describe('Absolute folder of the repository.'),
  })
  .describe('Repository in a local folder.');

export const sftpBackendSchema = z
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
    timeoutSeconds,
    retries,
  })
  .describe('Repository on an SFTP server.');

export const rcloneBackendSchema = z
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
    timeoutSeconds,
    retries,
  })
  .describe('Repository on an rclone remote, through the rclone program.');

export const backendSchema = z.discriminatedUnion('type', [localBackendSchema, sftpBackendSchema, rcloneBackendSchema]);

export type LocalBackendSpec = z.infer<typeof localBackendSchema>;
export type SftpBackendSpec = z.infer<typeof sftpBackendSchema>;
export type RcloneBackendSpec = z.infer<typeof rcloneBackendSchema>;
export type BackendSpec = z.infer<typeof backendSchema>;

/** The options a location may need besides its text (host key, credentials, rclone config). */
export const locationOptionsSchema = {
  hostKey: sftpBackendSchema.shape.hostKey.optional(),
  identityFile: sftpBackendSchema.shape.identityFile,
  passwordEnv: sftpBackendSchema.shape.passwordEnv,
  rcloneConfig: rcloneBackendSchema.shape.configFile,
  timeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .optional()
    .describe('Seconds one remote operation may take before it counts as a timeout (default 30).'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .optional()
    .describe('How often a transient network failure is retried, with backoff (default 5).'),
};

export interface LocationOptions {
  hostKey?: string | undefined;
  identityFile?: string | undefined;
  passwordEnv?: string | undefined;
  rcloneConfig?: string | undefined;
  timeoutSeconds?: number | undefined;
  retries?: number | undefined;
}

export type ParsedLocation =
  | { ok: true; spec: BackendSpec }
  | { ok: false; message: string; field?: 'location' | 'hostKey' };

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * A location text and its options as a backend spec. `resolve` makes a relative folder (or
 * key/config file) absolute. `sftp://user@host[:port]/abs/path` is an absolute folder,
 * `sftp://user@host/~/rel` one relative to the login folder; `rclone:remote:path`; anything
 * else is a local folder.
 */
export function parseLocation(
  text: string,
  opts: LocationOptions,
  resolve: (p: string) => string = (p) => p,
): ParsedLocation {
  const common = defined({ timeoutSeconds: opts.timeoutSeconds, retries: opts.retries });
  if (text.startsWith('sftp:')) {
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
    const spec = sftpBackendSchema.safeParse({
      type: 'sftp',
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      user: decodeURIComponent(url.username),
      path: path.startsWith('/~/') ? path.slice(3) : path,
      hostKey: opts.hostKey,
      ...defined({
        identityFile: opts.identityFile === undefined ? undefined : resolve(opts.identityFile),
        passwordEnv: opts.passwordEnv,
      }),
      ...common,
    });
    return spec.success ? { ok: true, spec: spec.data } : { ok: false, message: spec.error.issues[0]?.message ?? '' };
  }
  if (text.startsWith('rclone:')) {
    const spec = rcloneBackendSchema.safeParse({
      type: 'rclone',
      remote: text.slice('rclone:'.length),
      ...defined({ configFile: opts.rcloneConfig === undefined ? undefined : resolve(opts.rcloneConfig) }),
      ...common,
    });
    return spec.success
      ? { ok: true, spec: spec.data }
      : { ok: false, message: 'write an rclone location as rclone:remote:path (a remote from the rclone config)' };
  }
  if (text === '') return { ok: false, message: 'the location is empty' };
  return { ok: true, spec: { type: 'local', path: resolve(text) } };
}

/** A location for messages: never a password (there is none in it) and no options. */
export function describeSpec(spec: BackendSpec): string {
  switch (spec.type) {
    case 'local':
      return spec.path;
    case 'sftp':
      return `sftp://${spec.user}@${spec.host}${spec.port !== 22 ? `:${spec.port}` : ''}${spec.path.startsWith('/') ? '' : '/~/'}${spec.path}`;
    case 'rclone':
      return `rclone:${spec.remote}`;
  }
}
