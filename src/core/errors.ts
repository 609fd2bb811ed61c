// The one error class of Ripcord: every failure carries a code from a closed union, and that
// code alone decides the exit status (cli) and HTTP status (http). Adapters classify I/O
// failures as transient (worth retrying) or permanent.

export const errorCodes = {
  // code: [exit code, HTTP status, transient?]
  usage: [2, 400, false],
  config_invalid: [3, 400, false],
  not_found: [4, 404, false],
  io: [5, 500, false],
  locked: [6, 409, true],
  corrupt: [7, 500, false],
  auth: [8, 401, false],
  forbidden: [8, 403, false],
  wrong_passphrase: [8, 401, false],
  conflict: [9, 409, false],
  unavailable: [10, 503, true],
  store: [11, 500, false],
  parse: [12, 422, false],
  refused: [13, 422, false],
  internal: [70, 500, false],
} as const satisfies Record<string, readonly [number, number, boolean]>;

export type ErrorCode = keyof typeof errorCodes;

/** Exit status of a command that ran fine but found something (changes, findings, failed checks). */
export const EXIT_FOUND = 1;

export interface AppErrorOptions {
  /** Where the problem is: a file, a config path, a line. Shown to the user. */
  where?: string;
  /** Further problems reported together (config checking collects them all). */
  details?: readonly string[];
  cause?: unknown;
  /** Overrides the code's default classification. */
  transient?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly where: string | undefined;
  readonly details: readonly string[];
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.where = options.where;
    this.details = options.details ?? [];
    this.transient = options.transient ?? errorCodes[code][2];
  }

  get exitCode(): number {
    return errorCodes[this.code][0];
  }

  get httpStatus(): number {
    return errorCodes[this.code][1];
  }

  /** One line for humans: "where: message". */
  describe(): string {
    return this.where === undefined ? this.message : `${this.where}: ${this.message}`;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(e: unknown, code: ErrorCode = 'internal'): AppError {
  if (e instanceof AppError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new AppError(code, message, { cause: e });
}
