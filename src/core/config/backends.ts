// Where a snapshot repository lives, as the configuration says it: the location shorthand users
// write (`/srv/repo`, `sftp://user@host:port/path`, `rclone:remote:path`), the options a
// location may need (host key, credentials, rclone config, timeouts), and the generic spec a
// location becomes. Each storage backend's own spec schema, and which locations it reads, are
// in its component module (src/adapters/blob/); the composed parser is handed to the
// repository section (`repositorySchemaOf`), as core imports nothing from adapters.

import { z } from 'zod';

/** An OpenSSH SHA-256 host key fingerprint, as `ssh-keygen -lf` prints it. */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Fields every remote backend has; backend components spread them into their schemas. */
export const remoteFields = {
  timeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .default(30)
    .describe('Seconds one operation (connect, or one file transfer step) may take before it counts as a timeout.'),
  retries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(5)
    .describe('How often a transient failure (connection reset, timeout) is retried, with backoff, before giving up.'),
};

/** The options a location may need besides its text (host key, credentials, rclone config). */
export const locationOptionsSchema = {
  hostKey: z
    .string()
    .regex(FINGERPRINT, 'a SHA-256 fingerprint like SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU')
    .optional()
    .describe(
      "The SFTP server's host key fingerprint (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server, or `ssh-keyscan HOST | ssh-keygen -lf -`). Any other key is refused.",
    ),
  identityFile: z
    .string()
    .min(1)
    .optional()
    .describe('Private key file for SFTP key authentication (readable only by the Ripcord user).'),
  passwordEnv: z
    .string()
    .regex(ENV_NAME, 'an environment variable name')
    .optional()
    .describe('Name of the environment variable holding the SFTP password, for password authentication.'),
  rcloneConfig: z
    .string()
    .min(1)
    .optional()
    .describe(
      "rclone config file defining the remote (default: rclone's own). Secrets stay in that file or in RCLONE_CONFIG_* environment variables, never on a command line.",
    ),
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

/** A checked backend spec as the rest of Ripcord sees it; its component knows the other fields. */
export interface BackendSpec {
  type: string;
  [field: string]: unknown;
}

export type ParsedLocation =
  | { ok: true; spec: BackendSpec }
  | { ok: false; message: string; field?: 'location' | 'hostKey' };

/** A location text and its options as a backend spec; `resolve` makes a relative folder (or key/config file) absolute. */
export type LocationParser = (text: string, opts: LocationOptions, resolve?: (p: string) => string) => ParsedLocation;

/** The options that are set, for spreading into a spec. */
export const definedOnly = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
