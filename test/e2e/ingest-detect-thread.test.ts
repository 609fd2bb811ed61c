// `detect.thread: true` runs the rules on a worker thread while the main thread parses and
// stores; it must find exactly what the rules find on the main thread, on the same log, and
// store every line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');

function ripcord(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, '--state-dir', cwd, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A log of benign shop traffic with every attack fixture spread through it, from a few addresses. */
function buildLog(): string {
  const attacks: string[] = [];
  for (const f of ['sqli', 'xss', 'traversal', 'cmdi', 'probe', 'scanner']) {
    for (const l of readFileSync(join(root, 'test', 'fixtures', 'attacks', `${f}.txt`), 'utf8').split('\n')) {
      if (l === '' || l.startsWith('#')) continue;
      if (f === 'scanner') attacks.push(`UA:${l}`);
      else attacks.push(l.startsWith('/') ? l : `/search?q=${encodeURIComponent(l)}`);
    }
  }
  const out: string[] = [];
  let t = Date.UTC(2026, 0, 15, 10, 0, 0);
  const stamp = () => {
    const d = new Date((t += 1000));
    const mon = d.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  };
  for (let i = 0; i < 3000; i++) {
    const ip = `198.51.100.${i % 50}`;
    out.push(`${ip} - - [${stamp()}] "GET /product/${i % 200}.html HTTP/1.1" 200 5120 "-" "Mozilla/5.0"`);
    const a = attacks[i % attacks.length];
    if (i % 3 === 0 && a !== undefined) {
      const aip = `203.0.113.${i % 7}`;
      const ua = a.startsWith('UA:') ? a.slice(3).replaceAll('"', '') : 'Mozilla/5.0';
      const target = a.startsWith('UA:') ? '/' : a.replaceAll(' ', '%20').replaceAll('"', '%22');
      out.push(`${aip} - - [${stamp()}] "GET ${target} HTTP/1.1" 404 0 "-" "${ua}"`);
    }
  }
  return `${out.join('\n')}\n`;
}

function findingsOf(dir: string, thread: boolean, log: string): { lines: number; findings: string[] } {
  writeFileSync(join(dir, 'access.log'), log);
  writeFileSync(join(dir, 'ripcord.yml'), `detect:\n  thread: ${thread}\n`);
  const ing = ripcord(dir, ['ingest', '--format', 'nginx', '--json', 'access.log']);
  assert.equal(ing.code, 0, ing.stderr);
  const summary = JSON.parse(ing.stdout.trim().split('\n').pop() ?? '{}') as { lines: number; findings: number };
  const list = ripcord(dir, ['findings', 'list', '--json', '--limit', '100000']);
  assert.equal(list.code, 0, list.stderr);
  const findings = list.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const f = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify([f['rule'], f['ip'], f['time'], f['match'], f['count']]);
    })
    .sort();
  assert.equal(summary.findings, findings.length);
  return { lines: summary.lines, findings };
}

test('the rules on a worker thread find exactly what they find on the main thread', () => {
  const log = buildLog();
  const a = mkdtempSync(join(tmpdir(), 'ripcord-thread-on-'));
  const b = mkdtempSync(join(tmpdir(), 'ripcord-thread-off-'));
  try {
    const on = findingsOf(a, true, log);
    const off = findingsOf(b, false, log);
    assert.equal(on.lines, log.split('\n').length - 1);
    assert.equal(on.lines, off.lines);
    assert.ok(off.findings.length >= 20, `expected the fixtures to raise findings, got ${off.findings.length}`);
    assert.deepEqual(on.findings, off.findings);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
