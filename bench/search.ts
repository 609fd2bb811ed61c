// Search latency of the traffic record at shop scale: `npm run bench -- search [millions]`
// (default 10). Builds once, through the real ingest path (nginx parser -> SourceChannel ->
// SqlEventStore.append in 5,000-line batches, detection off), a SQLite record of N million
// requests over 30 days (0.5% of them scanner probes) plus ~20,000 logins per million requests
// (SSH, FTP, sudo, shop admin), cached in bench/data/search-<N>m/ with a marker file written last. Then times, in this
// process and through the functions the CLI calls (src/app/logs.ts), the questions an owner
// asks during an incident, one full CLI process for the first (to show start-up apart), and
// `grep` over the raw log of the same lines, the owner's alternative.

import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { accessLines } from './gen-access-log.ts';
import { seededRandom as rng } from '../src/core/random.ts';
import { ensureTool, percentile, printTable, timed } from './tools.ts';
import { SqliteDb } from '../src/adapters/db/sqlite.ts';
import { createEventStore } from '../src/adapters/db/events-store.ts';
import type { BlockReader } from '../src/adapters/db/request-block.ts';
import { RequestLog } from '../src/adapters/db/request-log.ts';
import { SourceChannel } from '../src/logs/pipeline.ts';
import { searchLogs, timeline, top, who } from '../src/app/logs.ts';

const DAY = 86_400_000;
/** The record spans 30 days ending here: fixed, so a cached build stays valid and runs compare. */
const END = Date.UTC(2026, 10, 1);
const START = END - 30 * DAY;
const BATCH = 5000;
const ROOT = resolve(import.meta.dirname, '..');

interface Built {
  requests: number;
  auth: number;
  buildSeconds: number;
  linesPerSecond: number;
  dbBytes: number;
  logBytes: number;
  loadAvgDuringBuild: number;
  /** Peak resident memory of the building process, sampled each second (absent in older caches). */
  peakRssMb?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const clf = (t: number) => {
  const d = new Date(t);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
};
const iso = (t: number) => new Date(t).toISOString();

/** Internet background noise every shop gets: scanners probing for PHP apps, dot-files, admin panels. */
const probes = [
  '/wp-login.php',
  '/xmlrpc.php',
  '/wp-admin/setup-config.php',
  '/.env',
  '/.git/config',
  '/phpmyadmin/index.php',
  '/admin.php',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php',
  '/shell.php',
  '/boaform/admin/formLogin',
];
const scannerIps = Array.from({ length: 300 }, (_, i) =>
  i % 6 === 0
    ? `2a0e:97c0:3e${(i % 256).toString(16)}::${(i * 3).toString(16)}`
    : `${[185, 45, 193, 89, 102][i % 5]}.${(i * 7) % 256}.${(i * 11) % 256}.${(i % 250) + 2}`,
);

/**
 * The generator's lines re-stamped so that `n` of them span the 30 days evenly (it advances
 * ~20 lines a second, far denser), with 0.5% scanner probes mixed in.
 */
function* spreadLines(n: number): Generator<string> {
  const r = rng(99);
  const step = (END - START) / n;
  let i = 0;
  let lastSec = -1;
  let stamp = '';
  for (const line of accessLines({ lines: n, seed: 7, start: START })) {
    const t = START + Math.floor(i * step);
    i++;
    const sec = Math.floor(t / 1000);
    if (sec !== lastSec) {
      stamp = clf(t);
      lastSec = sec;
    }
    if (r() < 0.005) {
      const ip = scannerIps[Math.floor(r() * scannerIps.length)] as string;
      const p = probes[Math.floor(r() * probes.length)] as string;
      yield `${ip} - - [${stamp}] "${r() < 0.2 ? 'POST' : 'GET'} ${p} HTTP/1.1" 404 162 "-" "Mozilla/5.0 zgrab/0.x"`;
      continue;
    }
    const a = line.indexOf('[');
    const b = line.indexOf(']', a);
    yield `${line.slice(0, a + 1)}${stamp}${line.slice(b)}`;
  }
}

/** Logins and attempts over the 30 days: syslog lines (sshd, vsftpd, sudo) and shop-admin JSON lines. */
function* authLines(n: number): Generator<{ kind: 'syslog' | 'shop-admin'; line: string }> {
  const r = rng(4242);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  // Staff and agencies, each with a few usual addresses; attackers with dictionaries.
  const staff = Array.from({ length: 80 }, (_, i) => ({
    user: i < 6 ? (['deploy', 'admin', 'shopmgr', 'backup', 'agency', 'dev'][i] as string) : `user${i}`,
    ips: Array.from(
      { length: 1 + (i % 3) },
      (_, k) => `${[81, 92, 176, 31][k % 4]}.${(i * 5) % 256}.${(i * 17 + k) % 256}.${(i % 200) + 10}`,
    ),
  }));
  const attackers = Array.from({ length: 400 }, (_, i) =>
    i < 150
      ? (scannerIps[i] as string)
      : `${[218, 61, 222, 116][i % 4]}.${(i * 3) % 256}.${(i * 19) % 256}.${(i % 240) + 5}`,
  );
  const guesses = [
    'root',
    'admin',
    'test',
    'ubuntu',
    'oracle',
    'postgres',
    'git',
    'user',
    'ftpuser',
    'magento',
    'www-data',
    'pi',
    'guest',
    'support',
    'deploy',
  ];
  const step = (END - START) / n;
  for (let j = 0; j < n; j++) {
    const t = START + Math.floor(j * step + r() * step);
    const ts = iso(t).replace('Z', '+00:00');
    const x = r();
    const s = pick(staff);
    // Now and then a staff member logs in from somewhere new (what `logs who` flags).
    const ip =
      r() < 0.03 ? `100.${Math.floor(r() * 64)}.${Math.floor(r() * 256)}.${Math.floor(r() * 254) + 1}` : pick(s.ips);
    const pid = 1000 + Math.floor(r() * 60000);
    if (x < 0.55) {
      const a = pick(attackers);
      const u = pick(guesses);
      const invalid = u !== 'root' && u !== 'deploy';
      yield {
        kind: 'syslog',
        line: `${ts} web1 sshd[${pid}]: Failed password for ${invalid ? 'invalid user ' : ''}${u} from ${a} port ${1024 + Math.floor(r() * 60000)} ssh2`,
      };
    } else if (x < 0.72) {
      yield {
        kind: 'syslog',
        line: `${ts} web1 sshd[${pid}]: Accepted ${r() < 0.7 ? 'publickey' : 'password'} for ${s.user} from ${ip} port ${1024 + Math.floor(r() * 60000)} ssh2`,
      };
    } else if (x < 0.8) {
      const ok = r() < 0.8;
      yield {
        kind: 'syslog',
        line: `${ts} web1 vsftpd[${pid}]: [${s.user}] ${ok ? 'OK' : 'FAIL'} LOGIN: Client "${ok ? ip : pick(attackers)}"`,
      };
    } else if (x < 0.88) {
      yield {
        kind: 'syslog',
        line: `${ts} web1 sudo[${pid}]:   ${s.user} : TTY=pts/0 ; PWD=/home/${s.user} ; USER=root ; COMMAND=/usr/bin/systemctl reload nginx`,
      };
    } else {
      const ok = r() < 0.7;
      const line = JSON.stringify({
        time: iso(t),
        user: ok ? s.user : pick(guesses),
        ip: ok ? ip : pick(attackers),
        success: ok,
        platform: 'magento2',
        method: 'password',
      });
      yield { kind: 'shop-admin', line };
    }
  }
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
}

async function close(out: WriteStream): Promise<void> {
  await new Promise<void>((r) => out.end(() => r()));
}

/** Feeds lines to a channel in batches as FileSource would, and writes them to the raw log. */
class Feeder {
  #lines: string[] = [];
  #first = 1;
  #offset = 0;
  readonly channel: SourceChannel;
  readonly out: WriteStream;
  constructor(channel: SourceChannel, out: WriteStream) {
    this.channel = channel;
    this.out = out;
  }
  async add(line: string): Promise<void> {
    this.#lines.push(line);
    if (this.#lines.length >= BATCH) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const text = `${this.#lines.join('\n')}\n`;
    await write(this.out, text);
    this.#offset += Buffer.byteLength(text);
    const lines = this.#lines;
    this.#lines = [];
    await this.channel.handle({
      lines,
      firstLine: this.#first,
      checkpoint: { offset: this.#offset, line: this.#first + lines.length },
      origin: this.channel.sourceId,
    });
    this.#first += lines.length;
  }
}

function dbBytes(path: string): number {
  return [path, `${path}-wal`].reduce((s, p) => s + (existsSync(p) ? statSync(p).size : 0), 0);
}

async function build(dir: string, n: number, nAuth: number): Promise<Built> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'ripcord.db');
  const store = createEventStore(new SqliteDb(dbPath));
  await store.init();
  const started = performance.now();
  const loads: number[] = [];
  let lastShown = 0;
  let peakRss = 0;
  let phase = started;
  const show = (what: string, done: number, total: number) => {
    const now = performance.now();
    if (now - lastShown < 1000 && done < total) return;
    lastShown = now;
    loads.push(loadavg()[0] ?? 0);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const rate = done / ((now - phase) / 1000);
    process.stderr.write(
      `\r${what}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} lines, ${Math.round(rate).toLocaleString('en')}/s, ETA ${Math.max(0, Math.round((total - done) / rate))} s   `,
    );
  };

  const accessPath = join(dir, 'access.log');
  const access = new Feeder(
    new SourceChannel({ store, platform: 'magento2' }, `file:${accessPath}`, 'nginx', { timezone: 'UTC' }),
    createWriteStream(accessPath),
  );
  let done = 0;
  for (const line of spreadLines(n)) {
    await access.add(line);
    if (++done % BATCH === 0) show('requests', done, n);
  }
  await access.flush();
  await close(access.out);
  show('requests', n, n);
  const httpSeconds = (performance.now() - started) / 1000;
  process.stderr.write('\n');

  // Syslog lines carry no year of their own in general; `now` just after the span keeps every date in it.
  const now = () => END + 3_600_000;
  phase = performance.now();
  const authPath = join(dir, 'auth.log');
  const adminPath = join(dir, 'shop-admin.log');
  const sys = new Feeder(
    new SourceChannel({ store, now }, `file:${authPath}`, 'syslog', { timezone: 'UTC' }),
    createWriteStream(authPath),
  );
  const admin = new Feeder(
    new SourceChannel({ store, now }, `file:${adminPath}`, 'shop-admin', { timezone: 'UTC' }),
    createWriteStream(adminPath),
  );
  let a = 0;
  for (const l of authLines(nAuth)) {
    await (l.kind === 'syslog' ? sys : admin).add(l.line);
    if (++a % BATCH === 0) show('logins', a, nAuth);
  }
  await sys.flush();
  await admin.flush();
  await close(sys.out);
  await close(admin.out);
  process.stderr.write('\n');
  const buildSeconds = (performance.now() - started) / 1000;

  const counts = await store.counts();
  const storedAuth = counts.auth;
  if (counts.http !== n) throw new Error(`stored ${counts.http} requests, expected ${n}`);
  if (counts.rejects !== 0) throw new Error(`${counts.rejects} lines were rejected by the parsers`);
  // Fold the WAL into the file so its size is the record's size.
  (store.db as SqliteDb).raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  await store.close();
  const built: Built = {
    requests: n,
    auth: storedAuth,
    buildSeconds,
    linesPerSecond: Math.round(n / httpSeconds),
    dbBytes: dbBytes(dbPath),
    logBytes: statSync(accessPath).size,
    loadAvgDuringBuild: loads.length ? loads.reduce((s, x) => s + x, 0) / loads.length : (loadavg()[0] ?? 0),
    peakRssMb: Math.round(peakRss / 1e6),
  };
  writeFileSync(join(dir, 'complete.json'), `${JSON.stringify(built, null, 2)}\n`);
  return built;
}

interface Result {
  name: string;
  ms: number[];
  rows: number[];
  /** Which variant each run was, for the per-variant lines under the query. */
  labels: string[];
  target?: number;
}

type Run = () => Promise<unknown[]>;

/** Times `runs` queries; `make` builds each (outside the timing) and may label its variant. */
async function measure(
  name: string,
  runs: number,
  make: (i: number) => Run | [string, Run],
  target?: number,
): Promise<Result> {
  const ms: number[] = [];
  const rows: number[] = [];
  const labels: string[] = [];
  for (let i = 0; i < runs; i++) {
    const m = make(i);
    const [label, q] = typeof m === 'function' ? ['', m] : m;
    const t0 = performance.now();
    const out = await q();
    ms.push(performance.now() - t0);
    rows.push(out.length);
    labels.push(label);
  }
  return { name, ms, rows, labels, ...(target !== undefined ? { target } : {}) };
}

/** The table row of a query (or of one of its variants). */
function row(name: string, ms: number[], rows: number[], target?: number): string[] {
  const p50 = percentile(ms, 50);
  return [
    name,
    String(ms.length),
    p50.toFixed(1),
    percentile(ms, 95).toFixed(1),
    Math.max(...ms).toFixed(1),
    (rows.reduce((s, v) => s + v, 0) / rows.length).toFixed(0),
    target === undefined ? '-' : `p50 < ${target} ms: ${p50 < target ? 'met' : 'NOT met'}`,
  ];
}

function variants(x: Result): { label: string; ms: number[]; rows: number[] }[] {
  const by = new Map<string, { label: string; ms: number[]; rows: number[] }>();
  x.labels.forEach((l, i) => {
    if (l === '') return;
    const v = by.get(l) ?? { label: l, ms: [], rows: [] };
    v.ms.push(x.ms[i] ?? NaN);
    v.rows.push(x.rows[i] ?? 0);
    by.set(l, v);
  });
  return [...by.values()];
}

export default async function main(args: string[]): Promise<void> {
  const millions = Number(args[0] ?? 10);
  if (!(millions > 0)) throw new Error('usage: npm run bench -- search [millions of requests, default 10]');
  const n = Math.round(millions * 1_000_000);
  const nAuth = Math.round(millions * 20_000);
  const dir = join(ROOT, 'bench', 'data', `search-${millions}m`);
  const marker = join(dir, 'complete.json');
  let built: Built;
  if (existsSync(marker)) {
    built = JSON.parse(readFileSync(marker, 'utf8')) as Built;
    console.log(`record: cached in ${dir}`);
  } else {
    console.log(
      `record: building ${n.toLocaleString('en')} requests + ${nAuth.toLocaleString('en')} logins in ${dir} (once)`,
    );
    built = await build(dir, n, nAuth);
  }
  console.log(
    `record: ${built.requests.toLocaleString('en')} requests + ${built.auth.toLocaleString('en')} logins over 30 days; built in ${built.buildSeconds.toFixed(0)} s ` +
      `(${built.linesPerSecond.toLocaleString('en')} requests/s parsed and stored, load avg ${built.loadAvgDuringBuild.toFixed(1)}` +
      `${built.peakRssMb !== undefined ? `, peak RSS ${built.peakRssMb} MB` : ''}); ` +
      `SQLite ${(built.dbBytes / 1e9).toFixed(2)} GB for a ${(built.logBytes / 1e9).toFixed(2)} GB raw log (${((built.dbBytes / built.logBytes) * 100).toFixed(0)}%)`,
  );

  const db = new SqliteDb(join(dir, 'ripcord.db'));
  const store = createEventStore(db);
  await store.init();
  const r = rng(2026);
  const blocks = db.raw.prepare('SELECT first_id, rows FROM http_blocks ORDER BY first_id').all() as {
    first_id: number;
    rows: number;
  }[];
  const total = blocks.reduce((s, b) => s + b.rows, 0);
  const requestLog = new RequestLog(db);
  const readBlock = (firstId: number): BlockReader => {
    const b = requestLog.block(firstId);
    if (b === null) throw new Error(`block ${firstId} is missing`);
    return b;
  };
  /** A stored request picked uniformly: its IP is as likely as its share of the traffic. */
  const randomRequest = (): { ip: string; time: number } => {
    let k = Math.floor(r() * total);
    for (const b of blocks) {
      if (k < b.rows) {
        const row = readBlock(b.first_id).row(k);
        return { ip: row.event.ip, time: row.event.time };
      }
      k -= b.rows;
    }
    throw new Error('no requests');
  };
  /** An address picked uniformly among those of a random block: most are occasional visitors. */
  const randomIp = (): string => {
    const b = blocks[Math.floor(r() * blocks.length)];
    if (!b) throw new Error('no requests');
    const seen = new Map<string | null, number>();
    readBlock(b.first_id).text('ip').countInto(null, seen);
    const ips = [...seen.keys()].filter((x): x is string => x !== null);
    return ips[Math.floor(r() * ips.length)] as string;
  };
  const window = (t: number, len: number) => {
    const since = Math.max(START, Math.min(END - len, t - Math.floor(r() * len)));
    return { since, until: since + len };
  };

  const load0 = loadavg();
  const RUNS = 40;
  // (1) IP + time range: half busy IPs around their own traffic, half any IP and any window.
  const ipQueries = Array.from({ length: RUNS }, (_, i) => {
    const len = i % 2 === 0 ? DAY : 7 * DAY;
    const days = len / DAY;
    if (i % 4 < 2) {
      const q = randomRequest();
      return { label: `busy IP (by traffic share), ${days} d`, q: { ip: q.ip, ...window(q.time, len) } };
    }
    return {
      label: `any IP seen (uniform), ${days} d`,
      q: { ip: randomIp(), ...window(START + Math.floor(r() * (END - START)), len) },
    };
  });
  const results: Result[] = [];
  results.push(
    await measure(
      '(1) search --ip X --since/--until',
      RUNS,
      (i) => [ipQueries[i]!.label, () => searchLogs(store, { ...ipQueries[i]!.q, limit: 100 })],
      50,
    ),
  );

  // (2) path glob + status, newest first, limit 100; some over the last 7 days only.
  const pathSpecs: { pathGlob: string; status: number[]; days?: number }[] = [
    { pathGlob: '/checkout/*', status: [200] },
    { pathGlob: '*.php', status: [404] },
    { pathGlob: '/rest/*', status: [401] },
    { pathGlob: '/customer/account/login/', status: [200] },
    { pathGlob: '*.php', status: [404], days: 7 },
    { pathGlob: '/checkout/*', status: [200], days: 1 },
  ];
  results.push(
    await measure(
      '(2) search --path G --status S',
      RUNS,
      (i) => {
        const s = pathSpecs[i % pathSpecs.length]!;
        return [
          `${s.pathGlob} + ${s.status.join(',')}${s.days ? `, last ${s.days} d` : ', all 30 d'}`,
          () =>
            searchLogs(store, {
              pathGlob: s.pathGlob,
              status: s.status,
              ...(s.days ? { since: END - s.days * DAY } : {}),
              limit: 100,
            }),
        ];
      },
      50,
    ),
  );
  // (2b) The worst case: nothing matches, so every request with that status is read (did any PHP file answer 200?).
  const noMatch: { pathGlob: string; status?: number[] }[] = [
    { pathGlob: '*.php', status: [200] },
    { pathGlob: '/wp-admin/*', status: [200, 302] },
    { pathGlob: '/wp-content/*' },
  ];
  results.push(
    await measure('(2b) search --path G [--status S], no match', 9, (i) => {
      const s = noMatch[i % noMatch.length]!;
      return [
        `${s.pathGlob}${s.status ? ` + ${s.status.join(',')}` : ''}, all 30 d`,
        () => searchLogs(store, { ...s, limit: 100 }),
      ];
    }),
  );
  // (3) who logged in over the last 7 days (of the record), with the known-IP check per row.
  results.push(
    await measure(
      '(3) who --since 7d (+ known-IP check)',
      RUNS,
      (i) => [
        i % 2 === 1 ? 'with --failed' : 'successful logins',
        () =>
          who(store, {
            since: END - 7 * DAY - i * 3_600_000,
            until: END - i * 3_600_000,
            failed: i % 2 === 1,
            limit: 100,
          }),
      ],
      50,
    ),
  );
  // (4) top IPs of one day.
  results.push(
    await measure('(4) top --by ip over 24 h', 30, () => {
      const w = window(START + Math.floor(r() * (END - START)), DAY);
      return () => top(store, 'ip', { ...w, limit: 20 });
    }),
  );
  // (5) one IP's timeline over 4 hours around its traffic.
  results.push(
    await measure('(5) timeline --ip X over 4 h', RUNS, () => {
      const q = randomRequest();
      const w = window(q.time, 4 * 3_600_000);
      return () => timeline(store, store, { from: w.since, to: w.until, ip: q.ip, limit: 1000 });
    }),
  );
  const load1 = loadavg();
  await store.close();

  // One full CLI process for (1), and one that only starts and prints help: the difference is the query.
  const main = join(ROOT, 'src', 'cli', 'main.ts');
  const q0 = ipQueries[0]!.q;
  const cli: number[] = [];
  const boot: number[] = [];
  let cliRows = 0;
  for (let k = 0; k < 5; k++) {
    const c = timed(
      [
        process.execPath,
        main,
        '--state-dir',
        dir,
        'logs',
        'search',
        '--ip',
        q0.ip,
        '--since',
        iso(q0.since),
        '--until',
        iso(q0.until),
        '--json',
      ],
      { cwd: dir, oneCore: false },
    );
    if (c.status !== 0) throw new Error(`ripcord logs search failed: ${c.stderr.slice(0, 500)}`);
    cliRows = c.stdout.trim() === '' ? 0 : c.stdout.trim().split('\n').length;
    cli.push(c.seconds * 1000);
    const b = timed([process.execPath, main, 'logs', 'search', '--help'], { cwd: dir, oneCore: false });
    if (b.status !== 0) throw new Error(`ripcord logs search --help failed: ${b.stderr.slice(0, 500)}`);
    boot.push(b.seconds * 1000);
  }

  // The owner's alternative: grep over the raw log (page cache warm, as the build just wrote it).
  const grepRows: (string | number)[][] = [];
  const logPath = join(dir, 'access.log');
  const peers: { label: string; argv: string[]; ours: number[] }[] = [];
  const variantMs = (x: Result | undefined, label: string) =>
    variants(x ?? { name: '', ms: [], rows: [], labels: [] }).find((v) => v.label === label)?.ms ?? [NaN];
  if (ensureTool('grep', 'grep')) {
    peers.push({
      label: `grep -F "<ip> "  vs (1)`,
      argv: ['grep', '-F', '-e', `${q0.ip} `, logPath],
      ours: results[0]!.ms,
    });
    peers.push({
      label: `grep -E '"GET /checkout/[^ ]* HTTP/1.1" 200 '  vs (2) /checkout/* + 200`,
      argv: ['grep', '-E', '-e', '"GET /checkout/[^ ]* HTTP/1\\.1" 200 ', logPath],
      ours: variantMs(results[1], '/checkout/* + 200, all 30 d'),
    });
    peers.push({
      label: `grep -E '\\.php[^ ]* HTTP/1.1" 404 '  vs (2) *.php + 404`,
      argv: ['grep', '-E', '-e', '\\.php[^ ]* HTTP/1\\.1" 404 ', logPath],
      ours: variantMs(results[1], '*.php + 404, all 30 d'),
    });
    peers.push({
      label: `grep -E '\\.php[^ ]* HTTP/1.1" 200 '  vs (2b) *.php + 200`,
      argv: ['grep', '-E', '-e', '\\.php[^ ]* HTTP/1\\.1" 200 ', logPath],
      ours: variantMs(results[2], '*.php + 200, all 30 d'),
    });
    for (const p of peers) {
      const times: number[] = [];
      let matches = 0;
      for (let k = 0; k < 3; k++) {
        const g = timed(p.argv, { oneCore: false, env: { ...process.env, LC_ALL: 'C' } });
        if (g.status !== 0 && g.status !== 1) throw new Error(`grep failed: ${g.stderr}`);
        matches = g.stdout === '' ? 0 : g.stdout.split('\n').length - 1;
        times.push(g.seconds * 1000);
      }
      const g50 = percentile(times, 50);
      const ours = percentile(p.ours, 50);
      grepRows.push([
        p.label,
        g50.toFixed(0),
        matches.toLocaleString('en'),
        ours.toFixed(1),
        (g50 / ours).toFixed(g50 / ours < 10 ? 1 : 0),
      ]);
    }
  }

  console.log(
    `\nload average (1/5/15 min): before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')} (2 cores, shared)\n`,
  );
  printTable(
    results.flatMap((x) => [
      row(x.name, x.ms, x.rows, x.target),
      ...variants(x).map((v) => row(`    ${v.label}`, v.ms, v.rows)),
    ]),
    ['query (in process, via src/app/logs.ts)', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'rows avg', 'target'],
  );
  console.log('');
  printTable(
    [
      ['ripcord logs search --ip … --json (whole process)', percentile(cli, 50).toFixed(0), String(cliRows)],
      ['ripcord logs search --help (process start-up only)', percentile(boot, 50).toFixed(0), '-'],
    ],
    ['CLI process, median of 5', 'ms', 'rows'],
  );
  if (grepRows.length > 0) {
    console.log(
      `\npeer: grep over the ${(built.logBytes / 1e9).toFixed(2)} GB raw log of the same lines (LC_ALL=C, page cache warm), median of 3:`,
    );
    printTable(grepRows, ['command', 'grep ms', 'lines', 'ripcord p50 ms', 'ripcord faster ×']);
  }
}
