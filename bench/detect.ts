// Detection speed: lines per second through the nginx parser alone, and through the parser
// plus every shipped rule, on generated shop traffic (bench/gen-access-log.ts); the ratio is
// what detection costs ingest. Also the detector alone on pre-parsed events (events/s), and
// the peer, fail2ban-regex with its nginx-botsearch filter, on the same file when it can be
// installed. Usage: npm run bench -- detect [--lines N]

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createDetector, loadRules } from '../src/detect/index.ts';
import { getParser, type LogEvent } from '../src/logs/index.ts';
import { ensureAccessLog } from './gen-access-log.ts';

function best(runs: number, fn: () => number): { ms: number; out: number } {
  let ms = Infinity;
  let out = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, out };
}

export default async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--lines');
  const n = i >= 0 ? Number(args[i + 1]) : 300_000;
  const file = await ensureAccessLog(join(import.meta.dirname, 'data', `shop-access-${n}.log`), n);
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const parser = getParser('nginx');
  const ctx = { year: 2026, now: Date.UTC(2026, 11, 1), timezone: 'UTC' };
  const rules = loadRules();
  console.log(
    `${lines.length} generated shop access-log lines; ${rules.compiled.rules.length} rules (${rules.compiled.gates.length} merged prefilters)`,
  );

  const parseOnly = best(3, () => {
    let events = 0;
    for (const l of lines) if (parser.parse(l, ctx).type === 'event') events++;
    return events;
  });
  const withRules = best(3, () => {
    const d = createDetector(rules.compiled);
    let findings = 0;
    for (const l of lines) {
      const p = parser.parse(l, ctx);
      if (p.type === 'event') findings += d.process(p.event).length;
    }
    return findings;
  });
  const events: LogEvent[] = [];
  for (const l of lines) {
    const p = parser.parse(l, ctx);
    if (p.type === 'event') events.push(p.event);
  }
  const detectOnly = best(3, () => {
    const d = createDetector(rules.compiled);
    let findings = 0;
    for (const e of events) findings += d.process(e).length;
    return findings;
  });
  const rate = (ms: number, count: number) => Math.round((count / ms) * 1000);
  const pRate = rate(parseOnly.ms, lines.length);
  const rRate = rate(withRules.ms, lines.length);
  console.log(`parse only:            ${pRate.toLocaleString('en')} lines/s`);
  console.log(`parse + all rules:     ${rRate.toLocaleString('en')} lines/s  (${withRules.out} findings)`);
  console.log(`rules alone:           ${rate(detectOnly.ms, events.length).toLocaleString('en')} events/s`);
  console.log(
    `with rules / parse only: ${(rRate / pRate).toFixed(2)} (detection costs ${((1 - rRate / pRate) * 100).toFixed(0)}% of parse throughput)`,
  );

  // Peer: fail2ban-regex with a web filter on the same file.
  let ok = spawnSync('fail2ban-regex', ['--help'], { stdio: 'ignore' }).status === 0;
  if (!ok) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'fail2ban'], { stdio: 'ignore' });
    ok = spawnSync('fail2ban-regex', ['--help'], { stdio: 'ignore' }).status === 0;
  }
  if (!ok) {
    console.log('peer: fail2ban-regex not available');
    return;
  }
  const t0 = performance.now();
  const r = spawnSync('fail2ban-regex', [file, '/etc/fail2ban/filter.d/nginx-botsearch.conf'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    console.log(`peer: fail2ban-regex failed: ${(r.stderr ?? '').slice(0, 200)}`);
    return;
  }
  const peerRate = rate(ms, lines.length);
  console.log(`peer fail2ban-regex (nginx-botsearch, one filter): ${peerRate.toLocaleString('en')} lines/s`);
  console.log(
    `ripcord (all ${rules.compiled.rules.length} rules) / fail2ban-regex (one filter): ${(rRate / peerRate).toFixed(1)}x`,
  );
}

if (import.meta.main) await main(process.argv.slice(2));
