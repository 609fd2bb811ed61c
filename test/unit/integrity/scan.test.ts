// The scanner on realistic samples: every defanged malware fixture is reported by the rules
// expected for it, clean shop code reports nothing, and so does a clean WordPress tree (Debian's
// `wordpress` package, /usr/share/wordpress; skipped when it is not installed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMalwareExpectations, scanTree } from './scan-helpers.ts';

const fixtures = resolve(import.meta.dirname, '..', '..', 'fixtures', 'code');

test('every malware fixture is reported by its expected rules', async () => {
  const expected = loadMalwareExpectations(join(fixtures, 'expected.json'));
  const { findings } = await scanTree(join(fixtures, 'malicious'));
  const byFile = new Map<string, Set<string>>();
  for (const f of findings) {
    let s = byFile.get(f.rel);
    if (s === undefined) byFile.set(f.rel, (s = new Set()));
    s.add(f.rule);
  }
  for (const [file, rules] of Object.entries(expected)) {
    for (const r of rules)
      assert.ok(
        byFile.get(file)?.has(r),
        `${file} should be reported by ${r} (got ${[...(byFile.get(file) ?? [])].join(', ') || 'nothing'})`,
      );
  }
  assert.deepEqual([...byFile.keys()].sort(), Object.keys(expected).sort(), 'no file reported that is not expected');
  for (const f of findings) {
    assert.ok(f.line >= 0 && f.match.length > 0 && f.match.length <= 121, JSON.stringify(f));
  }
});

test('clean shop code reports nothing', async () => {
  const { findings, files } = await scanTree(join(fixtures, 'clean'));
  assert.ok(files >= 3);
  assert.deepEqual(findings, []);
});

const wordpress = '/usr/share/wordpress';
test('a clean WordPress tree reports nothing', {
  skip: existsSync(join(wordpress, 'wp-includes')) ? false : 'Debian wordpress package not installed',
}, async () => {
  const { findings, files } = await scanTree(wordpress);
  assert.ok(files > 1000, `only ${files} files scanned`);
  assert.deepEqual(
    findings.map((f) => `${f.rule} ${f.rel}:${f.line}`),
    [],
  );
  assert.ok(readFileSync(join(wordpress, 'wp-settings.php'), 'utf8').length > 0);
});
