// `ripcord notices audience …` end to end: a Windows-1252 CSV with a repeated and an invalid
// address imported into a fresh state dir, its counts per jurisdiction and problems in --json,
// a second import under the same name refused, and a missing e-mail column named.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');

test('notices audience import, stats and show', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-notices-'));
  try {
    const ripcord = (...args: string[]) =>
      spawnSync(process.execPath, [main, '--state-dir', join(dir, 'state'), ...args], { encoding: 'utf8' });
    const csv = join(dir, 'kunden.csv');
    writeFileSync(
      csv,
      Buffer.from(
        'Kontakt;Name;Land;Bundesland\nj\xfcrgen@example.de;J\xfcrgen;Deutschland;\nann@example.com;Ann;USA;Calif.\n' +
          'ANN@example.com;Ann again;US;CA\nkaputt;X;US;NY\n"bo@example.com";"Bo; Jr.";United States;Massachusetts\n',
        'latin1',
      )
        .toString('latin1')
        .replace(/;/g, ','),
      'latin1',
    );
    const imp = ripcord(
      'notices',
      'audience',
      'import',
      'kunden',
      '--csv',
      csv,
      '--map',
      'email=Kontakt',
      '--map',
      'region=Bundesland',
      '--json',
    );
    assert.equal(imp.status, 0, imp.stderr);
    const a = JSON.parse(imp.stdout) as Record<string, unknown>;
    assert.deepEqual([a['recipients'], a['invalid'], a['duplicates']], [3, 1, 1]);

    const st = ripcord('notices', 'audience', 'stats', 'kunden', '--problems', '10', '--json');
    assert.equal(st.status, 0, st.stderr);
    const s = JSON.parse(st.stdout) as {
      jurisdictions: { jurisdiction: string | null; count: number }[];
      problems: { kind: string; source: string; message: string }[];
    };
    assert.deepEqual(Object.fromEntries(s.jurisdictions.map((j) => [j.jurisdiction, j.count])), {
      'EU-DE': 1,
      'US-CA': 1,
      'US-MA': 1,
    });
    assert.deepEqual(s.problems.map((p) => `${p.kind} ${p.source}`).sort(), ['duplicate line 4', 'invalid line 5']);
    assert.ok(!st.stdout.includes('ann@example.com'), 'problems do not repeat addresses');

    const sh = ripcord('notices', 'audience', 'show', 'kunden', '--json');
    const names = sh.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { name: string }).name);
    assert.deepEqual(names, ['Jürgen', 'Ann', 'Bo, Jr.'], 'Windows-1252 decoded, quoted comma kept');

    const again = ripcord('notices', 'audience', 'import', 'kunden', '--csv', csv, '--map', 'email=Kontakt');
    assert.equal(again.status, 9, 'a second audience of the same name is a conflict');

    const noEmail = ripcord('notices', 'audience', 'import', 'other', '--csv', csv);
    assert.notEqual(noEmail.status, 0);
    assert.match(noEmail.stderr, /no e-mail column.*Kontakt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
