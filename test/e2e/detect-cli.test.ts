// The commands over the engine: `ripcord detect` (JSON lines, line numbers, exit 1 when
// something is found), `ripcord rules test|list|explain`, and user rules from the config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function ripcord(cwd: string, args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd,
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const log = [
  '203.0.113.5 - - [15/Jan/2024:10:00:00 +0000] "GET /catalogsearch/result/?q=union+jack HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
  '203.0.113.9 - - [15/Jan/2024:10:00:01 +0000] "GET /p?id=1%27%20UNION%20SELECT%201,2--%20- HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
  '203.0.113.9 - - [15/Jan/2024:10:00:02 +0000] "GET /.env HTTP/1.1" 404 0 "-" "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)"',
].join('\n');

test('ripcord detect prints one JSON object per finding with its line, and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-detect-'));
  try {
    writeFileSync(join(dir, 'access.log'), `${log}\n`);
    const r = ripcord(dir, ['detect', '--format', 'nginx', '--json', 'access.log']);
    assert.equal(r.code, 1, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(rows[0], {
      line: 2,
      rule: 'sqli-union',
      category: 'sqli',
      severity: 'high',
      field: 'target',
      match: 'union select',
    });
    assert.deepEqual(
      rows
        .slice(1)
        .map((x) => [x['line'], x['rule']])
        .sort(),
      [
        [3, 'probe-secret-file'],
        [3, 'scanner-user-agent'],
      ],
    );
    const clean = ripcord(dir, ['detect', '-'], `${log.split('\n')[0]}\n`);
    assert.equal(clean.code, 0, clean.stderr);
    assert.equal(clean.stdout, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ripcord rules test passes, rules list --json lists the rules, rules explain shows the decoding', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-rules-'));
  try {
    const t = ripcord(dir, ['rules', 'test', 'sqli']);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    const list = ripcord(dir, ['rules', 'list', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; enabled: boolean });
    assert.ok(list.some((r) => r.id === 'ssh-brute-force' && r.enabled));
    const e = ripcord(dir, ['rules', 'explain', 'GET /p?id=1%2527%20UnIoN/**/SeLeCt%201']);
    assert.equal(e.code, 1);
    assert.match(
      e.stdout,
      /MATCH {2}sqli-union \(sqli, high\) on target \[sql: url-decode, url-decode, .*sql comments removed\]: union select/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user rule files and detect.disable come from the config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-userrules-'));
  try {
    writeFileSync(
      join(dir, 'my-rules.yml'),
      `rules:\n  - { id: my-secret-page, kind: signature, title: Secret page, category: probe, severity: high, on: http, when: { field: path, equals: /secret-page } }\n` +
        `tests:\n  - { name: hit, request: "GET /secret-page", expect: [my-secret-page] }\n`,
    );
    writeFileSync(
      join(dir, 'ripcord.yml'),
      'version: 1\ndetect:\n  ruleFiles: [my-rules.yml]\n  disable: [probe-secret-file, probe-hidden-file]\n',
    );
    writeFileSync(
      join(dir, 'a.log'),
      '192.0.2.1 - - [15/Jan/2024:10:00:00 +0000] "GET /secret-page HTTP/1.1" 200 5 "-" "x"\n192.0.2.1 - - [15/Jan/2024:10:00:01 +0000] "GET /.env HTTP/1.1" 404 5 "-" "x"\n',
    );
    const r = ripcord(dir, ['detect', '--json', 'a.log']);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { rule: string }).rule),
      ['my-secret-page'],
    );
    assert.equal(ripcord(dir, ['rules', 'test', 'my-secret-page']).code, 0);
    writeFileSync(join(dir, 'ripcord.yml'), 'version: 1\ndetect:\n  disable: [no-such-rule]\n');
    const bad = ripcord(dir, ['rules', 'list']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /detect.disable: no rule has the id "no-such-rule"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
