// Compiles a custom nginx `log_format` or Apache `LogFormat` string, once, into a parser that
// walks a line literal by literal: each variable's value runs up to the literal that follows
// it in the format (inside quotes, `\"` does not end it). Known variables fill HttpEvent
// fields; unknown nginx variables are captured and ignored; an unknown Apache directive, two
// variables with nothing between them, or a format without client address or time is a
// config error naming the bad part.

import { AppError } from '../../core/errors.ts';
import type { HttpEvent, ParseContext, ParseResult } from '../events.ts';
import { blankHttp, closingQuote, digits, splitRequest } from './access.ts';
import { epochToMs, parseAnyTime, parseClfTime, parseIsoTime } from './time.ts';
import { dashNull, normIp, reject, unescapeLogged } from './util.ts';

type Field =
  | 'ip'
  | 'user'
  | 'timeClf'
  | 'timeIso'
  | 'timeEpoch'
  | 'timeAny'
  | 'request'
  | 'method'
  | 'uri'
  | 'path'
  | 'query'
  | 'protocol'
  | 'status'
  | 'bytes'
  | 'referer'
  | 'ua'
  | 'vhost'
  | 'durSec'
  | 'durMs'
  | 'durUs'
  | 'ignore';

interface Var {
  field: Field;
  /** As written in the format, for error messages. */
  name: string;
}

const nginxVars: Record<string, Field> = {
  remote_addr: 'ip',
  realip_remote_addr: 'ignore',
  remote_user: 'user',
  time_local: 'timeClf',
  time_iso8601: 'timeIso',
  msec: 'timeEpoch',
  request: 'request',
  request_method: 'method',
  request_uri: 'uri',
  uri: 'path',
  document_uri: 'path',
  args: 'query',
  query_string: 'query',
  server_protocol: 'protocol',
  status: 'status',
  body_bytes_sent: 'bytes',
  bytes_sent: 'bytes',
  http_referer: 'referer',
  http_user_agent: 'ua',
  host: 'vhost',
  http_host: 'vhost',
  server_name: 'vhost',
  request_time: 'durSec',
};

/** Lower number wins when a format logs the same field twice (`$host` over `$server_name`). */
const nginxRank: Record<string, number> = { host: 0, http_host: 1, server_name: 2, body_bytes_sent: 0, bytes_sent: 1 };

function apacheField(letter: string, arg: string | null, where: string): Field {
  switch (letter) {
    case 'a':
      return arg === 'c' ? 'ignore' : 'ip';
    case 'h':
      return 'ip';
    case 'l':
      return 'ignore';
    case 'u':
      return 'user';
    case 't': {
      if (arg === null) return 'timeClf';
      const a = arg.replace(/^(?:begin|end):/, '');
      if (a === 'sec' || a === 'msec' || a === 'usec') return 'timeEpoch';
      if (a === 'msec_frac' || a === 'usec_frac') return 'ignore';
      return 'timeAny';
    }
    case 'r':
      return 'request';
    case 'm':
      return 'method';
    case 'U':
      return 'path';
    case 'q':
      return 'query';
    case 'H':
      return 'protocol';
    case 's':
      return 'status';
    case 'b':
    case 'B':
      return 'bytes';
    case 'D':
      return 'durUs';
    case 'T':
      if (arg === 'ms') return 'durMs';
      if (arg === 'us') return 'durUs';
      return 'durSec';
    case 'v':
    case 'V':
      return 'vhost';
    case 'i': {
      const h = (arg ?? '').toLowerCase();
      if (h === 'referer' || h === 'referrer') return 'referer';
      if (h === 'user-agent') return 'ua';
      if (h === 'host') return 'vhost';
      return 'ignore';
    }
    case 'A':
    case 'C':
    case 'e':
    case 'f':
    case 'I':
    case 'k':
    case 'L':
    case 'n':
    case 'o':
    case 'O':
    case 'p':
    case 'P':
    case 'R':
    case 'S':
    case 'X':
    case '^':
      return 'ignore';
    default:
      throw new AppError(
        'config_invalid',
        `unknown Apache LogFormat directive %${arg === null ? '' : `{${arg}}`}${letter} at ${where}`,
        {
          where: 'logFormat',
        },
      );
  }
}

/** Undoes config-file quoting: nginx `'part one ' 'part two'` and Apache `\"`. */
function unquoteFormat(f: string, apache: boolean): string {
  let s = f.trim();
  if (s.endsWith(';')) s = s.slice(0, -1).trim();
  if (!apache && s.startsWith("'")) {
    const parts = [...s.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
    if (parts.length > 0 && s.replace(/'[^']*'/g, '').trim() === '') return parts.join('');
  }
  if (apache) {
    if (s.startsWith('"') && s.endsWith('"') && s.length >= 2 && !s.slice(1, -1).includes('" ')) s = s.slice(1, -1);
    s = s.replace(/\\"/g, '"').replace(/\\t/g, '\t');
  }
  return s;
}

interface Compiled {
  lits: string[];
  vars: Var[];
}

function compileNginx(fmt: string): Compiled {
  const lits: string[] = [];
  const vars: Var[] = [];
  const ranks: number[] = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c !== '$') {
      lit += c;
      i++;
      continue;
    }
    let name: string;
    if (fmt[i + 1] === '{') {
      const close = fmt.indexOf('}', i + 2);
      if (close === -1)
        throw new AppError('config_invalid', `unterminated \${ at position ${i} of the log format`, {
          where: 'logFormat',
        });
      name = fmt.slice(i + 2, close);
      i = close + 1;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(fmt.slice(i + 1));
      if (m === null) {
        lit += c;
        i++;
        continue;
      }
      name = m[0];
      i += 1 + name.length;
    }
    if (vars.length > 0 && lit === '') {
      // `$uri$is_args$args`: one request target, split at `?` like $request_uri.
      const prev = vars[vars.length - 1];
      if (
        prev !== undefined &&
        (prev.field === 'path' || prev.field === 'uri') &&
        (name === 'is_args' || name === 'args' || name === 'query_string')
      ) {
        prev.field = 'uri';
        prev.name += `$${name}`;
        continue;
      }
      throw new AppError(
        'config_invalid',
        `$${prev?.name} and $${name} follow each other with nothing between them: their values cannot be told apart`,
        {
          where: 'logFormat',
        },
      );
    }
    lits.push(lit);
    lit = '';
    let field: Field = nginxVars[name] ?? 'ignore';
    // When a field is logged twice, keep the better-ranked variable and ignore the other.
    const rank = nginxRank[name] ?? 0;
    const prev = vars.findIndex((v) => v.field === field && field !== 'ignore');
    if (prev !== -1) {
      if ((ranks[prev] ?? 0) <= rank) field = 'ignore';
      else if (vars[prev]) vars[prev].field = 'ignore';
    }
    vars.push({ field, name: `${name}` });
    ranks.push(rank);
  }
  lits.push(lit);
  return { lits, vars };
}

function compileApache(fmt: string): Compiled {
  const lits: string[] = [];
  const vars: Var[] = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    const start = i;
    i++;
    if (fmt[i] === '%') {
      lit += '%';
      i++;
      continue;
    }
    // modifiers: < > ! and status lists like 400,501
    while (i < fmt.length && /[<>!0-9,]/.test(fmt[i] ?? '')) i++;
    let arg: string | null = null;
    if (fmt[i] === '{') {
      const close = fmt.indexOf('}', i);
      if (close === -1)
        throw new AppError('config_invalid', `unterminated %{ at position ${start} of the log format`, {
          where: 'logFormat',
        });
      arg = fmt.slice(i + 1, close);
      i = close + 1;
    }
    const letter = fmt[i];
    if (letter === undefined)
      throw new AppError('config_invalid', `the log format ends inside the directive ${fmt.slice(start)}`, {
        where: 'logFormat',
      });
    i++;
    const name = fmt.slice(start, i);
    let field = apacheField(letter, arg, `position ${start} (${name})`);
    if (vars.length > 0 && lit === '') {
      // `%U%q`: path then `?query` (or nothing), one request target split at `?`.
      const prev = vars[vars.length - 1];
      if (prev !== undefined && prev.field === 'path' && letter === 'q') {
        prev.field = 'uri';
        prev.name += name;
        continue;
      }
      throw new AppError(
        'config_invalid',
        `${prev?.name} and ${name} follow each other with nothing between them: their values cannot be told apart`,
        {
          where: 'logFormat',
        },
      );
    }
    // %a (client IP after mod_remoteip) beats %h; %b/%B beat nothing else logged as bytes.
    const prev = vars.findIndex((v) => v.field === field && field !== 'ignore');
    if (prev !== -1) {
      const p = vars[prev];
      if (field === 'ip' && letter === 'a' && p) p.field = 'ignore';
      else field = 'ignore';
    }
    lits.push(lit);
    lit = '';
    vars.push({ field, name });
  }
  lits.push(lit);
  return { lits, vars };
}

/** Compiles a custom format; throws AppError('config_invalid') naming the bad part. */
export function compileLogFormat(format: string): (line: string, ctx: ParseContext) => ParseResult {
  const apache = !/\$[A-Za-z_{]/.test(format) && format.includes('%');
  const fmt = unquoteFormat(format, apache);
  const { lits, vars } = apache ? compileApache(fmt) : compileNginx(fmt);
  const has = (f: Field | Field[]): boolean =>
    vars.some((v) => (Array.isArray(f) ? f.includes(v.field) : v.field === f));
  if (vars.length === 0)
    throw new AppError('config_invalid', 'the log format has no variables', { where: 'logFormat' });
  if (!has('ip')) {
    throw new AppError(
      'config_invalid',
      `the log format logs no client address (${apache ? '%h or %a' : '$remote_addr'})`,
      { where: 'logFormat' },
    );
  }
  if (!has(['timeClf', 'timeIso', 'timeEpoch', 'timeAny'])) {
    throw new AppError(
      'config_invalid',
      `the log format logs no time (${apache ? '%t' : '$time_local or $time_iso8601'})`,
      { where: 'logFormat' },
    );
  }
  const n = vars.length;
  const fields = vars.map((v) => v.field);
  const names = vars.map((v) => v.name);
  const quoted = vars.map((_, k) => (lits[k] ?? '').endsWith('"') && (lits[k + 1] ?? '').startsWith('"'));
  const first = lits[0] ?? '';

  return (line, ctx) => {
    if (!line.startsWith(first))
      return reject(`line does not start like the log format (${JSON.stringify(first.slice(0, 20))})`);
    let pos = first.length;
    const e: HttpEvent = blankHttp();
    let haveTime = false;
    let uri: string | null = null;
    for (let k = 0; k < n; k++) {
      const term = lits[k + 1] ?? '';
      let end: number;
      if (term === '') end = line.length;
      else if (quoted[k]) {
        end = closingQuote(line, pos);
        while (end !== -1 && !line.startsWith(term, end)) end = closingQuote(line, end + 1);
      } else end = line.indexOf(term, pos);
      if (end === -1) return reject(`truncated line: no ${JSON.stringify(term)} after ${names[k]}`);
      const raw = line.slice(pos, end);
      pos = end + term.length;
      const f = fields[k];
      if (f === 'ignore') continue;
      const v = raw.indexOf('\\') === -1 ? raw : unescapeLogged(raw);
      switch (f) {
        case 'ip':
          e.ip = normIp(v);
          break;
        case 'user':
          e.user = dashNull(v);
          break;
        case 'timeClf':
        case 'timeIso':
        case 'timeEpoch':
        case 'timeAny': {
          if (haveTime) break;
          let t: number;
          if (f === 'timeClf') t = parseClfTime(v);
          else if (f === 'timeIso') t = parseIsoTime(v, 0, ctx);
          else if (f === 'timeEpoch') t = epochToMs(Number(v));
          else t = Number.NaN;
          if (Number.isNaN(t)) t = parseAnyTime(v, ctx);
          if (Number.isNaN(t)) return reject(`bad time in ${names[k]}: ${v.slice(0, 40)}`);
          e.time = t;
          haveTime = true;
          break;
        }
        case 'request':
          splitRequest(e, raw);
          break;
        case 'method':
          e.method = v === '-' ? '' : v;
          break;
        case 'uri':
          uri = v;
          break;
        case 'path':
          if (uri === null) e.path = v === '-' ? '' : v;
          break;
        case 'query':
          e.query = v === '-' ? '' : v.startsWith('?') ? v.slice(1) : v;
          break;
        case 'protocol':
          e.protocol = v === '-' ? '' : v;
          break;
        case 'status': {
          const st = v === '-' ? 0 : digits(v, 0, v.length);
          if (st < 0 || st > 999) return reject(`status is not a number: ${v.slice(0, 20)}`);
          e.status = st;
          break;
        }
        case 'bytes': {
          if (v === '-') break;
          const b = digits(v, 0, v.length);
          if (b < 0) return reject(`size is not a number: ${v.slice(0, 20)}`);
          e.bytes = b;
          break;
        }
        case 'referer':
          e.referer = dashNull(v);
          break;
        case 'ua':
          e.userAgent = dashNull(v);
          break;
        case 'vhost':
          e.vhost = dashNull(v);
          break;
        case 'durSec':
        case 'durMs':
        case 'durUs': {
          const d = Number(v);
          if (v !== '-' && v !== '' && Number.isFinite(d))
            e.durationMs = f === 'durSec' ? Math.round(d * 1000) : f === 'durMs' ? d : Math.round(d / 1000);
          break;
        }
      }
    }
    if (uri !== null) {
      const q = uri.indexOf('?');
      e.path = q === -1 ? uri : uri.slice(0, q);
      if (q !== -1) e.query = uri.slice(q + 1);
    }
    if (!haveTime) return reject('no time in the line');
    return { type: 'event', event: e };
  };
}
