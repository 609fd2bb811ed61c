// The typed events of the traffic record. Parsers turn one line into one of these (or a
// kept rejection); the store keeps them; search, timeline and detection read them.
// Times are milliseconds since the Unix epoch, UTC; every string field is attacker-controlled.

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

/** What a parser makes of one line. */
export type ParseResult =
  | { type: 'event'; event: LogEvent }
  /** Well-formed but not key traffic (a cron line in auth.log, an sshd debug line); counted. */
  | { type: 'skip' }
  /** Malformed or not understood; kept in the store with its reason. */
  | { type: 'reject'; reason: string };

/** What a parser may need beyond the line itself. */
export interface ParseContext {
  /** Year to assume for syslog timestamps that carry none (`Nov  2 10:00:01`). */
  year: number;
  /** Milliseconds since epoch, "now": a year-less time more than a day in the future is taken as last year. */
  now: number;
  /** IANA zone or `+02:00` offset for timestamps without a zone; default UTC. */
  timezone: string;
}

export interface Parser {
  /** Format name as given to `--format` (`nginx`, `sshd`, …). */
  readonly name: string;
  parse(line: string, ctx: ParseContext): ParseResult;
}

/** A line that could not be parsed, as kept in the store. */
export interface Rejection {
  /** Where the line came from (source id) and its position (1-based line number, or byte offset). */
  line: number;
  text: string;
  reason: string;
}
