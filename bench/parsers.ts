// Parser throughput: lines/s of each parser on generated, typical lines (one core, no I/O).
// The ingest target is 150,000 lines/s parse+store; the combined parser alone should reach
// 600,000 lines/s. Run: npm run bench -- parsers [seconds-per-parser]

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseContext, Parser } from '../src/logs/events.ts';
import { getParser } from '../src/logs/parsers/index.ts';
import type { FormatName } from '../src/core/config/sources.ts';

const N = 200_000;
const ctx: ParseContext = { year: 2026, now: Date.UTC(2026, 11, 31), timezone: 'Europe/Berlin' };

let seed = 42;
const rnd = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)] as T;
const ip = (): string =>
  rnd(10) === 0 ? `2001:db8::${rnd(65535).toString(16)}` : `${rnd(223) + 1}.${rnd(256)}.${rnd(256)}.${rnd(256)}`;
const paths = [
  '/',
  '/index.php',
  '/catalog/product/view/id/123',
  '/static/version1/frontend/Theme/en_US/js/app.js',
  '/checkout/cart/add',
  '/wp-login.php',
  '/media/catalog/product/cache/1/image/abc.jpg',
];
const uas = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
// Timestamps advance like a busy log: many lines share a second.
const stamp = (i: number): string => {
  const s = Math.floor(i / 20);
  const d = new Date(Date.UTC(2026, 9, 10, 13, 0, 0) + s * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${p2(d.getUTCDate())}/Oct/2026:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0200`;
};
const combined = (i: number): string =>
  `${ip()} - - [${stamp(i)}] "${pick(['GET', 'GET', 'GET', 'POST'])} ${pick(paths)}${rnd(3) === 0 ? `?q=${rnd(1000)}&p=${rnd(9)}` : ''} HTTP/1.1" ${pick([200, 200, 200, 304, 404, 302])} ${rnd(50000)} "https://shop.example/${pick(paths)}" "${pick(uas)}"`;
const sysTime = (i: number): string => {
  const s = Math.floor(i / 20);
  const d = new Date(Date.UTC(2026, 9, 10, 13, 0, 0) + s * 1000);
  return `Oct 10 ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
};

const sets: { label: string; format: FormatName; logFormat?: string; make: (i: number) => string }[] = [
  { label: 'nginx combined', format: 'nginx', make: combined },
  {
    label: 'nginx custom log_format',
    format: 'nginx',
    logFormat:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host',
    make: (i) => `${combined(i)} 0.0${rnd(99)} shop.example`,
  },
  {
    label: 'json (nginx escape=json)',
    format: 'json',
    make: (i) =>
      JSON.stringify({
        time_local: stamp(i),
        remote_addr: ip(),
        request: `GET ${pick(paths)} HTTP/1.1`,
        status: '200',
        body_bytes_sent: String(rnd(50000)),
        http_referer: '',
        http_user_agent: pick(uas),
        request_time: '0.012',
      }),
  },
  {
    label: 'sshd (syslog)',
    format: 'sshd',
    make: (i) =>
      `${sysTime(i)} web1 sshd[${rnd(60000)}]: ${pick([`Failed password for invalid user admin${rnd(99)} from ${ip()} port ${rnd(65535)} ssh2`, `Accepted publickey for deploy from ${ip()} port ${rnd(65535)} ssh2: ED25519 SHA256:abc`, `Connection closed by ${ip()} port ${rnd(65535)} [preauth]`, `Invalid user test from ${ip()} port ${rnd(65535)}`])}`,
  },
  {
    label: 'syslog (mixed programs)',
    format: 'syslog',
    make: (i) =>
      `${sysTime(i)} web1 ${pick([`sshd[${rnd(60000)}]: Failed password for root from ${ip()} port 22 ssh2`, `sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`, `CRON[${rnd(9999)}]: (root) CMD (run-parts /etc/cron.hourly)`, `pure-ftpd: (?@${ip()}) [WARNING] Authentication failed for user [admin]`])}`,
  },
];

/** Parses every line, reading fields of each event so that none of the work can be skipped. */
function run(parser: Parser, lines: readonly string[]): { events: number; sink: number } {
  let events = 0;
  let sink = 0;
  for (const l of lines) {
    const r = parser.parse(l, ctx);
    if (r.type !== 'event') continue;
    events++;
    const e = r.event;
    sink += e.time + (e.kind === 'http' ? e.status + e.path.length + e.ip.length : e.message.length);
  }
  return { events, sink };
}

function measure(label: string, parser: Parser, lines: readonly string[], seconds: number): void {
  let best = 0;
  let events = 0;
  let sink = 0;
  const until = performance.now() + seconds * 1000;
  do {
    const t0 = performance.now();
    const r = run(parser, lines);
    const rate = lines.length / ((performance.now() - t0) / 1000);
    events = r.events;
    sink += r.sink;
    if (rate > best) best = rate;
  } while (performance.now() < until);
  console.log(
    `${label.padEnd(30)} ${Math.round(best).toLocaleString('en').padStart(11)} lines/s   (${events} events of ${lines.length}${sink === 0 ? ', no work?' : ''})`,
  );
}

export default function main(args: string[]): void {
  const seconds = Number(args[0] ?? '1');
  console.log(
    `parser throughput on one core, best run within ~${seconds}s per parser (${N.toLocaleString('en')} generated lines each)`,
  );
  for (const s of sets) {
    const lines = Array.from({ length: N }, (_, i) => s.make(i));
    measure(s.label, getParser(s.format, s.logFormat === undefined ? {} : { logFormat: s.logFormat }), lines, seconds);
  }
  // Real lines too, when the shared corpus is beside the repository (Elastic's Apache sample).
  const real = join(import.meta.dirname, '../../shared/corpora/elastic-apache/apache_logs');
  if (existsSync(real)) {
    const lines = readFileSync(real, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    measure('apache_logs (real, 10k lines)', getParser('apache'), lines, seconds);
  }
  console.log('target: combined >= 600,000 lines/s (ingest: 150,000 lines/s parse+store)');
}
