// The `ripcord obligations` commands end to end: JSON lines from assess, exit status 1 when a
// duty arises, field-named errors for a bad facts file, and merged notice requirements.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const example = resolve(import.meta.dirname, 'facts.example.yml');
const ripcord = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

test('assess --json prints one obligation per line and exits 1', () => {
  const r = ripcord('obligations', 'assess', '--facts', example, '--json', '--now', '2026-11-03T00:00:00Z');
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const ob = lines.filter((l) => l['type'] === 'obligation');
  assert.ok(ob.some((l) => l['jurisdiction'] === 'US-CA' && l['duty'] === 'notify_regulator'));
  assert.ok(ob.some((l) => l['jurisdiction'] === 'GB' && l['duty'] === 'notify_regulator'));
  for (const l of ob)
    for (const k of [
      'jurisdiction',
      'duty',
      'recipient',
      'dueBy',
      'deadlineDays',
      'clockStarts',
      'citation',
      'because',
      'notes',
    ])
      assert.ok(k in l, k);
  // earliest first: the 72-hour GDPR/UK notices precede the 30-day ones
  assert.equal(ob[0]?.['deadlineDays'], 3);
  assert.ok(lines.some((l) => l['type'] === 'no_duty' && l['jurisdiction'] === 'US-TX' && l['duty'] === 'notify_cras'));
});

test('assess names the bad fields of a facts file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-ob-'));
  const f = join(dir, 'facts.yml');
  writeFileSync(f, 'discovered: 2026-11-02T09:30:00\nelements: [name, shoe_size]\naffected: {US-CA: 3}\n');
  const r = ripcord('obligations', 'assess', '--facts', f);
  assert.equal(r.status, 12);
  assert.match(r.stderr, /discovered:/);
  assert.match(r.stderr, /elements\[1\]:/);
});

test('requirements merges content and keeps the prohibitions', () => {
  const r = ripcord('obligations', 'requirements', 'US-MA', 'US-IL', 'US-CA', '--json');
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as {
    titles: { title: string }[];
    minFontPt: number;
    mustNot: { id: string; jurisdiction: string }[];
    elements: { id: string }[];
  };
  assert.deepEqual(
    m.titles.map((t) => t.title),
    ['Notice of Data Breach'],
  );
  assert.equal(m.minFontPt, 10);
  assert.deepEqual(
    m.mustNot
      .filter((x) => x.id === 'number_affected')
      .map((x) => x.jurisdiction)
      .sort(),
    ['US-IL', 'US-MA'],
  );
  assert.ok(m.elements.some((e) => e.id === 'police_report'));
});

test('show and list', () => {
  const s = ripcord('obligations', 'show', 'us-tx', '--json');
  assert.equal(s.status, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { code: string }).code, 'US-TX');
  assert.equal(ripcord('obligations', 'show', 'US-ZZ').status, 4);
  const l = ripcord('obligations', 'list', '--json');
  assert.equal(l.stdout.trim().split('\n').length, 60);
});

test('the human assess table fits 120 columns; an open-ended deadline is spelt out below it', () => {
  const r = ripcord('obligations', 'assess', '--facts', example, '--now', '2026-11-03T00:00:00Z');
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('DUE '));
  const end = lines.indexOf('', start);
  assert.ok(start >= 0 && end > start + 1);
  for (const l of lines.slice(start, end)) assert.ok(l.length <= 120, `${l.length}: ${l}`);
  assert.ok(lines.slice(start, end).some((l) => l.startsWith('no fixed date ')));
  assert.ok(lines.some((l) => l.includes('- due: without undue delay')));
  assert.ok(lines.some((l) => l.includes('- to: California Attorney General; Cal. Civ. Code')));
});
