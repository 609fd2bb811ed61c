// JSON access logs, one object per line: nginx `escape=json` formats, Caddy, Traefik, and the
// key names people give their own formats. Each field is looked up under its usual names, at
// the top level and (Caddy) under `request` and `request.headers`:
//
//   client     remote_addr client_ip clientip ip remote_ip remoteAddr client ClientHost ClientAddr
//   time       time timestamp @timestamp time_local time_iso8601 ts msec date StartUTC StartLocal
//   request    request ("GET /a HTTP/1.1")   or method + uri/url/path (+ args/query) + protocol
//   status     status status_code response_status DownstreamStatus
//   size       body_bytes_sent bytes bytes_sent size response_bytes DownstreamContentSize
//   referer    http_referer referer referrer request_Referer headers.Referer
//   agent      http_user_agent user_agent userAgent agent request_User-Agent headers.User-Agent
//   user       remote_user user user_id
//   vhost      host http_host server_name vhost RequestHost
//   duration   request_time (s) duration (Caddy s, Traefik ns as Duration) duration_ms response_time
//
// A line that is not an object, or names no client or time, is rejected with the reason.

import type { HttpEvent, ParseContext, ParseResult } from '../events.ts';
import { blankHttp, splitRequest } from './access.ts';
import { parseAnyTime } from './time.ts';
import { dashNull, normIp, reject } from './util.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function pick(objs: readonly Obj[], keys: readonly string[]): unknown {
  for (const o of objs) {
    for (const k of keys) {
      const v = o[k];
      if (v !== undefined && v !== null && v !== '') return Array.isArray(v) ? v[0] : v;
    }
  }
  return undefined;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && v !== '-') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const K = {
  ip: [
    'remote_addr',
    'client_ip',
    'clientip',
    'ip',
    'remote_ip',
    'remoteAddr',
    'remote_address',
    'client',
    'c-ip',
    'ClientHost',
    'ClientAddr',
    'clientAddr',
  ],
  time: [
    'time',
    'timestamp',
    '@timestamp',
    'time_local',
    'time_iso8601',
    'ts',
    'msec',
    'date',
    'datetime',
    'StartUTC',
    'StartLocal',
  ],
  request: ['request', 'request_line'],
  method: ['method', 'request_method', 'RequestMethod', 'verb', 'http_method'],
  uri: ['request_uri', 'uri', 'url', 'RequestPath', 'path', 'request_path'],
  query: ['args', 'query_string', 'query'],
  protocol: ['protocol', 'server_protocol', 'proto', 'RequestProtocol', 'http_version'],
  status: ['status', 'status_code', 'response_status', 'DownstreamStatus', 'OriginStatus', 'response_code'],
  bytes: [
    'body_bytes_sent',
    'bytes',
    'bytes_sent',
    'size',
    'response_bytes',
    'DownstreamContentSize',
    'content_length',
  ],
  referer: ['http_referer', 'referer', 'referrer', 'request_Referer', 'Referer'],
  ua: ['http_user_agent', 'user_agent', 'userAgent', 'agent', 'request_User-Agent', 'User-Agent', 'ua'],
  user: ['remote_user', 'user', 'user_id', 'RequestUser'],
  vhost: ['host', 'http_host', 'server_name', 'vhost', 'RequestHost', 'RequestAddr'],
} as const;

/** Traefik's ClientAddr is `host:port`; strip the port (not from bare IPv6). */
function stripPort(s: string): string {
  if (s.startsWith('[')) {
    const rb = s.indexOf(']');
    return rb === -1 ? s : s.slice(1, rb);
  }
  const c = s.indexOf(':');
  return c !== -1 && s.indexOf(':', c + 1) === -1 ? s.slice(0, c) : s;
}

/** Parses one JSON access-log line. */
export function parseJsonAccessLine(line: string, ctx: ParseContext): ParseResult {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return reject('not JSON');
  }
  if (!isObj(v))
    return reject(
      `JSON value is ${Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`}, not an object`,
    );
  const objs: Obj[] = [v];
  const req = v['request'];
  if (isObj(req)) {
    objs.push(req);
    if (isObj(req['headers'])) objs.push(req['headers']);
  }
  if (isObj(v['http'])) objs.push(v['http']);
  const e: HttpEvent = blankHttp();

  const ipRaw = str(pick(objs, K.ip));
  if (ipRaw === null) return reject('no client address (remote_addr, client_ip, ip, ...)');
  e.ip = normIp(stripPort(ipRaw));

  const t = pick(objs, K.time);
  if (t === undefined) return reject('no time (time, timestamp, @timestamp, ts, ...)');
  const time = parseAnyTime(t, ctx);
  if (Number.isNaN(time)) return reject(`bad time ${String(str(t) ?? '').slice(0, 40)}`);
  e.time = time;

  const request =
    typeof v['request'] === 'string' ? v['request'] : typeof v['request_line'] === 'string' ? v['request_line'] : null;
  if (request !== null) splitRequest(e, request);
  const method = str(pick(objs, K.method));
  if (method !== null) e.method = method;
  const uri = str(pick(objs, K.uri));
  if (uri !== null) {
    const q = uri.indexOf('?');
    e.path = q === -1 ? uri : uri.slice(0, q);
    e.query = q === -1 ? '' : uri.slice(q + 1);
  }
  const query = str(pick(objs, K.query));
  if (query !== null && query !== '-' && e.query === '') e.query = query.startsWith('?') ? query.slice(1) : query;
  const protocol = str(pick(objs, K.protocol));
  if (protocol !== null) e.protocol = protocol;

  const status = num(pick(objs, K.status));
  if (status !== null && Number.isInteger(status) && status >= 0 && status <= 999) e.status = status;
  const bytes = num(pick(objs, K.bytes));
  if (bytes !== null && bytes >= 0) e.bytes = Math.floor(bytes);
  e.referer = dashNull(str(pick(objs, K.referer)) ?? '');
  e.userAgent = dashNull(str(pick(objs, K.ua)) ?? '');
  e.user = dashNull(str(pick(objs, K.user)) ?? '');
  e.vhost = dashNull(str(pick(objs, K.vhost)) ?? '');

  const rt = num(v['request_time']);
  const dms = num(v['duration_ms'] ?? v['durationMs'] ?? v['response_time']);
  const dur = num(v['duration']);
  const traefik = num(v['Duration']);
  if (rt !== null) e.durationMs = Math.round(rt * 1000);
  else if (dms !== null) e.durationMs = dms;
  else if (dur !== null) e.durationMs = Math.round(dur * 1000);
  else if (traefik !== null) e.durationMs = Math.round(traefik / 1e6);
  return { type: 'event', event: e };
}
