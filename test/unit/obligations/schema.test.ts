// Every shipped jurisdiction file parses against the schema, is named for its code, carries the
// review date, and the data set covers every jurisdiction the issue asks for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  checkJurisdiction,
  coverageOf,
  defaultDataDir,
  listDataFiles,
  loadRules,
  parseYamlText,
} from '../../../src/obligations/index.ts';

const usCodes =
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI'
    .split(' ')
    .map((c) => `US-${c}`);
const euMembers = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' ');

for (const file of listDataFiles(defaultDataDir)) {
  test(`schema: ${basename(file)}`, () => {
    const doc = parseYamlText(readFileSync(file, 'utf8'), file);
    const r = checkJurisdiction(doc);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.equal(`${r.value.code}.yml`, basename(file));
    assert.equal(r.value.lastReviewed, '2026-11-25');
    // every known section cites something
    for (const key of [
      'personalInformation',
      'safeHarbour',
      'harmAnalysis',
      'individuals',
      'authorities',
      'cras',
      'content',
      'methods',
    ] as const) {
      const s = r.value[key];
      if (s.status === 'known') assert.ok(s.citation.length > 3, `${key} has a citation`);
    }
    if (r.value.authorities.status === 'known') {
      const ids = r.value.authorities.list.map((a) => a.id);
      assert.equal(new Set(ids).size, ids.length, 'authority ids are unique');
    }
  });
}

test('the data set covers every jurisdiction of the issue', () => {
  const rules = loadRules();
  for (const c of [...usCodes, 'EU', 'GB', 'CA', 'CA-QC', 'AU', 'PCI']) assert.ok(rules.has(c), `missing ${c}`);
  assert.equal(usCodes.length, 54);
  const eu = rules.get('EU');
  assert.deepEqual(eu?.memberStates.map((m) => m.code).sort(), [...euMembers].sort());
});

test('a file with a wrong field is refused with its path', () => {
  const r = checkJurisdiction({
    code: 'US-ZZ',
    name: 'x',
    kind: 'us_state',
    lastReviewed: '2026-11-25',
    timeZone: null,
    statutes: [],
    sources: [],
  });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.ok(
      r.problems.some((p) => p.startsWith('statutes:')),
      r.problems.join('\n'),
    );
    assert.ok(
      r.problems.some((p) => p.startsWith('personalInformation')),
      r.problems.join('\n'),
    );
  }
});

test('coverage report lists unknown and unverified fields', () => {
  const rules = loadRules();
  const pci = rules.get('PCI');
  assert.ok(pci);
  const row = coverageOf(pci);
  assert.ok(row.unknown.includes('content'), row.unknown.join(', '));
  assert.ok(
    row.unknown.some((p) => p.includes('discover_disc') && p.endsWith('deadline')),
    row.unknown.join(', '),
  );
  const eu = rules.get('EU');
  assert.ok(eu);
  assert.ok(coverageOf(eu).unknown.some((p) => p === 'memberStates[DE].email'));
});
