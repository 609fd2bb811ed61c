// Timestamps of log lines -> milliseconds since the epoch (UTC). Owns the cheap conversions
// used on every line (CLF `10/Oct/2026:13:55:36 -0700`, syslog `Oct 10 13:55:36`, ISO 8601,
// ctime `Tue Nov  3 10:00:00 2026`), the per-string caches that make repeated timestamps
// free, and zone handling (IANA names through Intl, fixed `±HH:MM` offsets).
// Every function returns NaN for a malformed time; none throws.

import type { ParseContext } from '../events.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** Month index of the 3-letter English abbreviation at `i`, or -1. */
export function monthAt(s: string, i: number): number {
  const m = MONTHS[s.slice(i, i + 3)];
  return m === undefined ? -1 : m;
}

/** Two decimal digits at `i`, or -1. */
export function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  // Written so that NaN (past the end of the string) fails too.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

/** Four decimal digits at `i`, or -1. */
export function d4(s: string, i: number): number {
  const a = d2(s, i);
  const b = d2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function validClock(mon: number, day: number, h: number, m: number, sec: number): boolean {
  return mon >= 0 && day >= 1 && day <= 31 && h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 60;
}

/** `+0200`, `-07:00`, `Z` at `i` -> offset in ms (east positive), or NaN. */
function offsetAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) return 0;
  if (c !== 43 && c !== 45) return Number.NaN;
  const h = d2(s, i + 1);
  const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
  const m = d2(s, i + 3 + colon);
  if (h < 0 || m < 0 || h > 23 || m > 59) return Number.NaN;
  const off = (h * 60 + m) * 60_000;
  return c === 45 ? -off : off;
}

// --- CLF: dd/Mon/yyyy:HH:MM:SS +zzzz -----------------------------------------------------

let clfLastText = '';
let clfLastMs = Number.NaN;
/** Date part (`10/Oct/2026` + zone) -> ms of its midnight in UTC, so a new second costs a few adds. */
const clfDays = new Map<string, number>();

/** Parses the inside of the CLF brackets; NaN when malformed. Cached per distinct string. */
export function parseClfTime(t: string): number {
  if (t === clfLastText) return clfLastMs;
  if (
    t.length !== 26 ||
    t.charCodeAt(2) !== 47 ||
    t.charCodeAt(6) !== 47 ||
    t.charCodeAt(11) !== 58 ||
    t.charCodeAt(20) !== 32
  ) {
    return Number.NaN;
  }
  const dayKey = t.slice(0, 11) + t.slice(21);
  let base = clfDays.get(dayKey);
  if (base === undefined) {
    const day = d2(t, 0);
    const mon = monthAt(t, 3);
    const year = d4(t, 7);
    const off = offsetAt(t, 21);
    if (day < 1 || day > 31 || mon < 0 || year < 0 || Number.isNaN(off)) return Number.NaN;
    base = Date.UTC(year, mon, day) - off;
    if (clfDays.size > 4096) clfDays.clear();
    clfDays.set(dayKey, base);
  }
  const h = d2(t, 12);
  const m = d2(t, 15);
  const s = d2(t, 18);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60 || t.charCodeAt(14) !== 58 || t.charCodeAt(17) !== 58)
    return Number.NaN;
  const ms = base + ((h * 60 + m) * 60 + s) * 1000;
  clfLastText = t;
  clfLastMs = ms;
  return ms;
}

// --- zones -------------------------------------------------------------------------------

/** Converts a wall-clock time (its fields read as UTC) in some zone to real UTC ms. */
export type ZoneFn = (wallMs: number) => number;

const identity: ZoneFn = (ms) => ms;
const zones = new Map<string, ZoneFn | null>();

function intlZone(tz: string): ZoneFn | null {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  const offsetOf = (utc: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(utc)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(
      p['year'] ?? 1970,
      (p['month'] ?? 1) - 1,
      p['day'] ?? 1,
      p['hour'] ?? 0,
      p['minute'] ?? 0,
      p['second'] ?? 0,
    );
    return wall - Math.floor(utc / 1000) * 1000;
  };
  // Offsets change on whole hours (nearly everywhere), so one lookup per wall-clock hour.
  const perHour = new Map<number, number>();
  return (wall) => {
    const key = Math.floor(wall / HOUR);
    let off = perHour.get(key);
    if (off === undefined) {
      const guess = key * HOUR - offsetOf(key * HOUR);
      off = offsetOf(guess);
      if (perHour.size > 20_000) perHour.clear();
      perHour.set(key, off);
    }
    return wall - off;
  };
}

/** The zone converter for an IANA name, `UTC`, or `±HH:MM`; null when the zone is unknown. */
export function zoneFn(tz: string): ZoneFn | null {
  let f = zones.get(tz);
  if (f !== undefined) return f;
  const t = tz.trim();
  if (t === '' || /^(?:utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(t)) f = identity;
  else if (/^[+-]\d{2}:?\d{2}$/.test(t)) {
    const off = offsetAt(t, 0);
    f = Number.isNaN(off) ? null : (ms: number) => ms - off;
  } else f = intlZone(t);
  zones.set(tz, f);
  return f;
}

/** Whether `tz` is a zone the parsers understand (for config checking). */
export function isValidTimezone(tz: string): boolean {
  return zoneFn(tz) !== null;
}

// --- syslog: Mmm dd hh:mm:ss ---------------------------------------------------------------

/** End index of the last successful `parseSyslogTime` (the char after the seconds). */
export let syslogTimeEnd = 0;

let sysLastText = '';
let sysLastCtxYear = Number.NaN;
let sysLastZone = '';
let sysThisYear = Number.NaN;
let sysLastYear = Number.NaN;

/**
 * Parses `Mmm dd hh:mm:ss` (day space- or zero-padded, or a single digit) at `i`. The year
 * comes from ctx; a time more than a day after ctx.now is taken as last year's.
 */
export function parseSyslogTime(s: string, i: number, ctx: ParseContext): number {
  const mon = monthAt(s, i);
  if (mon < 0 || s.charCodeAt(i + 3) !== 32) return Number.NaN;
  let p = i + 4;
  if (s.charCodeAt(p) === 32) p++;
  let day = s.charCodeAt(p) - 48;
  if (!(day >= 0 && day <= 9)) return Number.NaN;
  p++;
  const c = s.charCodeAt(p) - 48;
  if (c >= 0 && c <= 9) {
    day = day * 10 + c;
    p++;
  }
  if (s.charCodeAt(p) !== 32) return Number.NaN;
  p++;
  const h = d2(s, p);
  const m = d2(s, p + 3);
  const sec = d2(s, p + 6);
  if (s.charCodeAt(p + 2) !== 58 || s.charCodeAt(p + 5) !== 58 || !validClock(mon, day, h, m, sec)) return Number.NaN;
  let end = p + 8;
  // Some daemons add fractions (`10:00:01.123`): accepted and dropped below a millisecond.
  let frac = 0;
  if (s.charCodeAt(end) === 46) {
    let k = end + 1;
    let scale = 100;
    while (k < s.length) {
      const dd = s.charCodeAt(k) - 48;
      if (!(dd >= 0 && dd <= 9)) break;
      frac += dd * scale;
      scale /= 10;
      k++;
    }
    frac = Math.floor(frac);
    end = k;
  }
  syslogTimeEnd = end;
  // Cached per distinct text (and year and zone); the last-year rule is applied on every call
  // because ctx.now moves.
  const text = s.slice(i, end);
  if (text !== sysLastText || ctx.year !== sysLastCtxYear || ctx.timezone !== sysLastZone) {
    const zone = zoneFn(ctx.timezone);
    if (zone === null) return Number.NaN;
    sysThisYear = zone(Date.UTC(ctx.year, mon, day, h, m, sec, frac));
    sysLastYear = zone(Date.UTC(ctx.year - 1, mon, day, h, m, sec, frac));
    sysLastText = text;
    sysLastCtxYear = ctx.year;
    sysLastZone = ctx.timezone;
  }
  return sysThisYear > ctx.now + DAY ? sysLastYear : sysThisYear;
}

// --- ISO 8601 (and the `2013-11-16 21:59:30,121` form) ---------------------------------------

/** End index of the last successful `parseIsoTime`. */
export let isoTimeEnd = 0;

/**
 * Parses `YYYY-MM-DD[T ]HH:MM:SS[.,fraction][Z|±HH:MM|±HHMM]` at `i`. A time without zone is
 * read in ctx.timezone (UTC without ctx).
 */
export function parseIsoTime(s: string, i: number, ctx: ParseContext | null): number {
  const y = d4(s, i);
  const mo = d2(s, i + 5);
  const d = d2(s, i + 8);
  const sep = s.charCodeAt(i + 10);
  if (y < 0 || s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45 || (sep !== 84 && sep !== 32 && sep !== 116))
    return Number.NaN;
  const h = d2(s, i + 11);
  const m = d2(s, i + 14);
  const sec = d2(s, i + 17);
  if (s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58 || !validClock(mo - 1, d, h, m, sec) || mo > 12)
    return Number.NaN;
  let p = i + 19;
  let frac = 0;
  const fc = s.charCodeAt(p);
  if (fc === 46 || fc === 44) {
    p++;
    let scale = 100;
    while (p < s.length) {
      const dd = s.charCodeAt(p) - 48;
      if (dd < 0 || dd > 9) break;
      frac += dd * scale;
      scale /= 10;
      p++;
    }
    frac = Math.floor(frac);
  }
  const wall = Date.UTC(y, mo - 1, d, h, m, sec, frac);
  const zc = s.charCodeAt(p);
  if (zc === 90 || zc === 122) {
    isoTimeEnd = p + 1;
    return wall;
  }
  if (zc === 43 || zc === 45) {
    const off = offsetAt(s, p);
    if (!Number.isNaN(off)) {
      isoTimeEnd = p + (s.charCodeAt(p + 3) === 58 ? 6 : 5);
      return wall - off;
    }
  }
  isoTimeEnd = p;
  if (ctx === null) return wall;
  const zone = zoneFn(ctx.timezone);
  return zone === null ? Number.NaN : zone(wall);
}

// --- ctime: Tue Nov  3 10:00:00 2026 (vsftpd, Apache error log) ----------------------------

/** End index of the last successful `parseCtime`. */
export let ctimeEnd = 0;

/** Reads `Mmm dd hh:mm:ss` as a UTC wall clock of a leap year (the real year comes after it). */
const ctimeProbe: ParseContext = { year: 2000, now: Number.MAX_SAFE_INTEGER, timezone: 'UTC' };

/** Parses `Www Mmm dd hh:mm:ss[.micro] yyyy` at `i`, read in ctx.timezone. */
export function parseCtime(s: string, i: number, ctx: ParseContext): number {
  if (s.charCodeAt(i + 3) !== 32) return Number.NaN;
  // Reuse the syslog reader for `Mmm dd hh:mm:ss[.frac]`, then read the year after it.
  const wallSameYear = parseSyslogTime(s, i + 4, ctimeProbe);
  if (Number.isNaN(wallSameYear)) return Number.NaN;
  const p = syslogTimeEnd;
  if (s.charCodeAt(p) !== 32) return Number.NaN;
  const year = d4(s, p + 1);
  if (year < 0) return Number.NaN;
  const dt = new Date(wallSameYear);
  dt.setUTCFullYear(year);
  const zone = zoneFn(ctx.timezone);
  if (zone === null) return Number.NaN;
  ctimeEnd = p + 5;
  return zone(dt.getTime());
}

// --- anything (JSON logs, custom formats) ---------------------------------------------------

/** Epoch number in s, ms, µs or ns (told apart by size) -> ms. */
export function epochToMs(v: number): number {
  if (!Number.isFinite(v) || v < 0) return Number.NaN;
  if (v < 1e11) return Math.round(v * 1000);
  if (v < 1e14) return Math.round(v);
  if (v < 1e17) return Math.round(v / 1000);
  return Math.round(v / 1e6);
}

/** Any timestamp a JSON or custom-format log may carry: epoch numbers, ISO, CLF, ctime, RFC 2822. */
export function parseAnyTime(v: unknown, ctx: ParseContext): number {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string') return Number.NaN;
  const s = v.trim();
  if (s.length === 0) return Number.NaN;
  const c0 = s.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    if (/^\d+(?:\.\d+)?$/.test(s)) return epochToMs(Number(s));
    if (s.charCodeAt(4) === 45) return parseIsoTime(s, 0, ctx);
    if (s.charCodeAt(2) === 47) return parseClfTime(s.length > 26 ? s.slice(0, 26) : s);
  }
  if (c0 === 91 && s.endsWith(']')) return parseAnyTime(s.slice(1, -1), ctx);
  if (monthAt(s, 4) >= 0) {
    const t = parseCtime(s, 0, ctx);
    if (!Number.isNaN(t)) return t;
  }
  if (monthAt(s, 0) >= 0) {
    const t = parseSyslogTime(s, 0, ctx);
    if (!Number.isNaN(t)) return t;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? Number.NaN : t;
}
