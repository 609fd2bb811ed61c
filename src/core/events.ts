// The typed events of the traffic record: a request or a login. Plain types shared by the
// subsystems that make them (logs' parsers), judge them (detect) and keep them (the stores), so
// none of those has to import another for them. Times are milliseconds since the Unix epoch,
// UTC; every string field is attacker-controlled.

/** Services whose logins and connections are recorded. */
export type AuthService = 'ssh' | 'ftp' | 'sudo' | 'su' | 'shop-admin' | 'web' | 'other';

export interface HttpEvent {
  kind: 'http';
  time: number;
  ip: string;
  /** Upper-case method as sent (may be garbage on attacks; kept as is). */
  method: string;
  /** Path part of the request target, still URL-encoded as logged. */
  path: string;
  /** Query string without the leading `?`, '' when none. */
  query: string;
  protocol: string;
  status: number;
  /** Response size; null when logged as `-`. */
  bytes: number | null;
  referer: string | null;
  userAgent: string | null;
  /** Authenticated HTTP user (remote_user), null when `-`. */
  user: string | null;
  /** Virtual host, when the format logs it. */
  vhost: string | null;
  /** Request time in milliseconds, when the format logs it. */
  durationMs: number | null;
}

export type AuthAction = 'login' | 'logout' | 'connect' | 'disconnect' | 'session' | 'command';
export type AuthOutcome = 'success' | 'failure' | 'info';

export interface AuthEvent {
  kind: 'auth';
  time: number;
  service: AuthService;
  action: AuthAction;
  outcome: AuthOutcome;
  /** The account that logged in or was tried; null when the line does not say. */
  user: string | null;
  /** Remote address; null for local logins (sudo, console). */
  ip: string | null;
  port: number | null;
  /** How: password, publickey, keyboard-interactive, hostbased, gssapi, none, … */
  method: string | null;
  /** sshd "invalid user": the account does not exist. */
  invalidUser: boolean;
  /** For sudo/su: the user the command ran as; for sudo the command line. */
  targetUser: string | null;
  command: string | null;
  /** Host name from the syslog header, when there is one. */
  host: string | null;
  /** The logging program (sshd, vsftpd, sudo, …). */
  program: string | null;
  /** The log message itself, kept short, for evidence and timeline. */
  message: string;
}

export type LogEvent = HttpEvent | AuthEvent;
export type EventKind = LogEvent['kind'];
