// A fast guard on detection quality: every line of the attack collections
// (test/fixtures/attacks) is flagged in its plain and fully-encoded forms, and none of the
// benign look-alikes is. The full measurement with more variants and real traffic is
// `npm run bench -- detect-quality`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDetector, loadRules, splitRequest } from '../../../src/detect/index.ts';
import type { HttpEvent } from '../../../src/logs/index.ts';

const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'attacks');
const rules = loadRules();

function events(file: string): { line: string; event: HttpEvent }[] {
  const out: { line: string; event: HttpEvent }[] = [];
  const status = /probe|shop/.test(file) ? 404 : 200;
  let n = 0;
  for (const raw of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const ip = `198.18.${(n >> 8) & 255}.${n++ & 255}`;
    const base: HttpEvent = {
      kind: 'http',
      time: 0,
      ip,
      method: 'GET',
      path: '/',
      query: '',
      protocol: 'HTTP/1.1',
      status,
      bytes: 100,
      referer: null,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
      user: null,
      vhost: null,
      durationMs: null,
    };
    if (line.startsWith('UA: ')) out.push({ line, event: { ...base, userAgent: line.slice(4) } });
    else if (line.startsWith('REF: ')) out.push({ line, event: { ...base, referer: line.slice(5) } });
    else {
      const m = /^(GET|POST|PUT) (.*)$/.exec(line);
      const target = m?.[2] ?? line;
      const q = target.indexOf('?');
      const enc = (s: string) => s.replace(/ /g, '%20');
      // As sent, and with the whole query %-encoded.
      out.push({ line, event: { ...base, ...splitRequest(`${m?.[1] ?? 'GET'} ${enc(target)}`) } });
      if (q >= 0) {
        const query = [...target.slice(q + 1)]
          .map((c) => (/[A-Za-z0-9&=+]/.test(c) ? c : `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
          .join('');
        if (!/[^\x00-\x7f]/.test(target))
          out.push({ line: `${line} (encoded)`, event: { ...base, path: enc(target.slice(0, q)), query } });
      }
    }
  }
  return out;
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt') && f !== 'benign.txt')) {
  test(`attack collection ${file}: every request is flagged`, () => {
    const d = createDetector(rules.compiled);
    const missed = events(file)
      .filter((x) => d.process(x.event).length === 0)
      .map((x) => x.line);
    assert.deepEqual(missed, []);
  });
}

test('benign look-alikes: none is flagged', () => {
  const d = createDetector(rules.compiled);
  const flagged = events('benign.txt')
    .map((x) => ({ line: x.line, rules: d.process(x.event).map((f) => f.rule) }))
    .filter((x) => x.rules.length > 0);
  assert.deepEqual(flagged, []);
});
