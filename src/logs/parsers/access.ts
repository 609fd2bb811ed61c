// The hand-written parser of the standard web access log layouts: NCSA combined and common,
// and the vhost variants (Apache `vhost_combined`: `%v:%p` first; nginx `$host` first).
// It scans with indexOf/charCodeAt and slices, with no regular expression per line, because
// it runs on every request a shop receives (target: well over 600,000 lines/s on one core).
//
//   1.2.3.4 - user [10/Oct/2026:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "referer" "agent" ...
//
// Fields after the user agent (nginx `"$http_x_forwarded_for"`, Apache `%I %O`) are ignored.

import type { HttpEvent, ParseContext, ParseResult } from '../events.ts';
import { parseAnyTime, parseClfTime } from './time.ts';
import { dashNull, looksLikeIp, normIp, reject, unescapeLogged } from './util.ts';

/** Index of the `"` closing a quoted field whose content starts at `from` (skips `\"`); -1 if none. */
export function closingQuote(s: string, from: number): number {
  let i = from;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q === -1) return -1;
    let bs = 0;
    for (let k = q - 1; k >= from && s.charCodeAt(k) === 92; k--) bs++;
    if ((bs & 1) === 0) return q;
    i = q + 1;
  }
}

/** Fills method, path, query and protocol of `e` from a logged request line (`%r`, `$request`). */
export function splitRequest(e: HttpEvent, raw: string): void {
  const req = raw.indexOf('\\') === -1 ? raw : unescapeLogged(raw);
  const sp1 = req.indexOf(' ');
  let target: string;
  if (sp1 === -1) {
    // `-` (no request), a bare path (HTTP/0.9 style) or binary garbage (TLS on the HTTP port).
    if (req === '-' || req === '') {
      e.method = '';
      target = '';
    } else if (req.charCodeAt(0) === 47) {
      e.method = '';
      target = req;
    } else {
      e.method = req;
      target = '';
    }
    e.protocol = '';
  } else {
    e.method = req.slice(0, sp1);
    const last = req.lastIndexOf(' ');
    if (last > sp1 && req.startsWith('HTTP/', last + 1)) {
      target = req.slice(sp1 + 1, last);
      e.protocol = req.slice(last + 1);
    } else {
      target = req.slice(sp1 + 1);
      e.protocol = '';
    }
  }
  const q = target.indexOf('?');
  if (q === -1) {
    e.path = target;
    e.query = '';
  } else {
    e.path = target.slice(0, q);
    e.query = target.slice(q + 1);
  }
}

/** A blank HttpEvent (one shape for every access parser, which keeps property access fast). */
export function blankHttp(): HttpEvent {
  return {
    kind: 'http',
    time: 0,
    ip: '',
    method: '',
    path: '',
    query: '',
    protocol: '',
    status: 0,
    bytes: null,
    referer: null,
    userAgent: null,
    user: null,
    vhost: null,
    durationMs: null,
  };
}

/** Decimal digits in [from, to) -> number; -1 when not all digits (or empty). */
export function digits(s: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function fieldText(s: string, from: number, to: number): string | null {
  const raw = s.slice(from, to);
  if (raw === '-' || raw === '') return null;
  return raw.indexOf('\\') === -1 ? raw : unescapeLogged(raw);
}

/** Strips `:port` from a vhost token (`shop.example:443`, `[::1]:80`). */
function vhostName(tok: string): string | null {
  const c = tok.lastIndexOf(':');
  if (c > 0 && tok.indexOf(':') === c && digits(tok, c + 1, tok.length) >= 0) return dashNull(tok.slice(0, c));
  if (tok.charCodeAt(0) === 91) {
    const rb = tok.indexOf(']');
    if (rb > 0) return tok.slice(1, rb);
  }
  return dashNull(tok);
}

/** Sets ip / user / vhost from the tokens before `[time]`; returns a reject reason or null. */
function prefix(e: HttpEvent, line: string, end: number): string | null {
  const s1 = line.indexOf(' ');
  const s2 = s1 === -1 || s1 >= end ? -1 : line.indexOf(' ', s1 + 1);
  if (s2 !== -1 && s2 < end) {
    const s3 = line.indexOf(' ', s2 + 1);
    if (s3 === end) {
      // client ident user
      e.ip = normIp(line.slice(0, s1));
      e.user = fieldText(line, s2 + 1, end);
      return null;
    }
    if (s3 !== -1 && s3 < end && line.indexOf(' ', s3 + 1) === end && looksLikeIp(line.slice(s1 + 1, s2))) {
      // vhost client ident user
      e.vhost = vhostName(line.slice(0, s1));
      e.ip = normIp(line.slice(s1 + 1, s2));
      e.user = fieldText(line, s3 + 1, end);
      return null;
    }
  }
  const toks = line.slice(0, end).split(' ');
  if (toks.length < 3) return 'expected "client ident user" before [time]';
  // A user name with spaces: everything after ident is the user.
  e.ip = normIp(toks[0] ?? '');
  e.user = dashNull(toks.slice(2).join(' '));
  return null;
}

/** Parses one combined / common / vhost line. */
export function parseAccessLine(line: string, ctx: ParseContext): ParseResult {
  const lb = line.indexOf(' [');
  if (lb <= 0) return { type: 'reject', reason: 'not an access log line: no [time] field' };
  const rb = line.indexOf(']', lb + 2);
  if (rb === -1) return reject('truncated line: [time] is not closed');
  const e = blankHttp();
  const why = prefix(e, line, lb);
  if (why !== null) return reject(why);
  const ts = line.slice(lb + 2, rb);
  let time = parseClfTime(ts);
  if (Number.isNaN(time)) {
    time = parseAnyTime(ts, ctx);
    if (Number.isNaN(time)) return reject(`bad time [${ts.slice(0, 40)}]`);
  }
  e.time = time;
  const n = line.length;
  if (rb + 1 >= n) return reject('truncated line: nothing after [time]');
  if (line.charCodeAt(rb + 1) !== 32 || line.charCodeAt(rb + 2) !== 34) return reject('no quoted request after [time]');
  const r0 = rb + 3;
  const r1 = closingQuote(line, r0);
  if (r1 === -1) return reject('truncated line: request is not closed');
  splitRequest(e, line.slice(r0, r1));
  // status
  let p = r1 + 1;
  if (line.charCodeAt(p) !== 32) return reject('no status after the request');
  p++;
  let sp = line.indexOf(' ', p);
  if (sp === -1) sp = n;
  if (sp === p + 1 && line.charCodeAt(p) === 45) e.status = 0;
  else {
    const st = digits(line, p, sp);
    if (st < 0 || st > 999) return reject(`status is not a number: ${line.slice(p, Math.min(sp, p + 20))}`);
    e.status = st;
  }
  if (sp >= n) return reject('truncated line: no size after the status');
  // bytes
  p = sp + 1;
  sp = line.indexOf(' ', p);
  if (sp === -1) sp = n;
  if (!(sp === p + 1 && line.charCodeAt(p) === 45)) {
    const b = digits(line, p, sp);
    if (b < 0) return reject(`size is not a number: ${line.slice(p, Math.min(sp, p + 20))}`);
    e.bytes = b;
  }
  // referer and user agent (combined); common stops here.
  if (sp + 1 < n && line.charCodeAt(sp + 1) === 34) {
    const f0 = sp + 2;
    // A line cut inside the referer or user agent (a full disk, a length limit) keeps what
    // was written: the request, status and client are all there.
    let f1 = closingQuote(line, f0);
    if (f1 === -1) f1 = n;
    e.referer = fieldText(line, f0, f1);
    if (f1 + 2 < n && line.charCodeAt(f1 + 1) === 32 && line.charCodeAt(f1 + 2) === 34) {
      const u0 = f1 + 3;
      let u1 = closingQuote(line, u0);
      if (u1 === -1) u1 = n;
      e.userAgent = fieldText(line, u0, u1);
    }
  }
  return { type: 'event', event: e };
}
