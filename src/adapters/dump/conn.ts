// Connection settings of a database dump job, and a restore target given as a URL
// (postgres://user@host:port/db, mysql://…): the parts the URL names override the job's; the
// password comes only from the URL or the job's environment variable, never a command line.

import { AppError } from '../../core/errors.ts';

/** Database names the tools are handed: letters, digits and _ (no quoting games). */
export const IDENT = /^[A-Za-z0-9_]+$/;

export interface Conn {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
}

/** A target URL into connection settings; `schemes` are the URL protocols this kind accepts. */
export function connFromUrl(url: string, base: Conn, schemes: readonly string[]): Conn {
  const what = `not a ${schemes[0]}// URL`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('usage', what, { where: url });
  }
  if (!schemes.includes(u.protocol)) throw new AppError('usage', what, { where: url });
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!IDENT.test(database))
    throw new AppError('usage', 'database names may only have letters, digits and _', { where: url });
  return {
    host: u.hostname !== '' ? u.hostname : base.host,
    port: u.port !== '' ? Number(u.port) : base.port,
    user: u.username !== '' ? decodeURIComponent(u.username) : base.user,
    password: u.password !== '' ? decodeURIComponent(u.password) : base.password,
    database,
  };
}
