// Configuration: the sample parses, every problem is reported at once with its path,
// unknown keys are refused, ${ENV} expansion works on values only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandEnv } from '../../../src/core/config/index.ts';
import { checkConfig, loadConfig, parseYaml, samplePath } from '../../../src/app/config.ts';
import { AppError } from '../../../src/core/errors.ts';

test('the shipped sample configuration parses and checks', () => {
  const y = parseYaml(readFileSync(samplePath, 'utf8'));
  assert.ok(y.ok);
  const r = checkConfig(y.ok ? y.doc : null, { SMTP_PASSWORD: 'x', RIPCORD_PASSPHRASE: 'y', WEBHOOK_SECRET: 'z' });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  if (r.ok) assert.ok(r.config.sources.length >= 2);
});

test('defaults apply to an empty document', () => {
  const r = checkConfig({});
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.config.store, 'sqlite');
    assert.equal(r.config.stateDir, './.ripcord');
    assert.equal(r.config.logs.retentionDays, 400);
    assert.equal(r.config.detect.thread, 'auto');
  }
});

test('detect.thread takes true, false or auto, and names the field otherwise', () => {
  for (const v of [true, false, 'auto'] as const) {
    const r = checkConfig({ detect: { thread: v } });
    assert.ok(r.ok && r.config.detect.thread === v);
  }
  const bad = checkConfig({ detect: { thread: 'sometimes' } });
  assert.ok(!bad.ok);
  if (!bad.ok) assert.match(JSON.stringify(bad.problems), /detect\.thread.*true, false or auto/);
});

test('every problem is reported with its path, unknown keys included', () => {
  const r = checkConfig({
    store: 'mysql://x',
    sources: [
      { type: 'file', path: '/var/log/a' },
      { type: 'file' },
      { type: 'file', path: 'x', format: 'nginxx' },
      { type: 'carrier-pigeon' },
    ],
    logs: { retentionDays: 0, surprise: true },
    bogus: 1,
  });
  assert.equal(r.ok, false);
  const paths = r.ok ? [] : r.problems.map((p) => p.path);
  for (const want of [
    'store',
    'sources[1].path',
    'sources[2].format',
    'sources[3].type',
    'logs.retentionDays',
    'logs',
    '(top)',
  ]) {
    assert.ok(paths.includes(want), `missing ${want} in ${JSON.stringify(r.ok ? [] : r.problems)}`);
  }
});

test('duplicate source ids are refused', () => {
  const r = checkConfig({
    sources: [
      { type: 'stdin', id: 'a' },
      { type: 'stdin', id: 'a' },
    ],
  });
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.problems[0]?.path, 'sources[1].id');
});

test('${ENV} expansion: values only, defaults, missing variables reported with their path', () => {
  const problems: { path: string; message: string }[] = [];
  const out = expandEnv(
    { a: 'pw=${PW}', b: ['${NOPE}', '${D:-fallback}'], '${PW}': 'key not expanded' },
    { PW: 's3cret: {x}' },
    problems,
  );
  assert.deepEqual(out, { a: 'pw=s3cret: {x}', b: ['', 'fallback'], '${PW}': 'key not expanded' });
  assert.deepEqual(problems, [{ path: 'b[0]', message: 'environment variable NOPE is not set' }]);
});

test('loadConfig: YAML syntax errors name line and column; missing source folders are refused', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ripcord-cfg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const bad = join(d, 'bad.yml');
  writeFileSync(bad, 'sources:\n  - type: file\n    path: [unclosed\n');
  assert.throws(
    () => loadConfig({ file: bad }),
    (e: unknown) =>
      e instanceof AppError &&
      e.code === 'config_invalid' &&
      e.where === bad &&
      /line \d+, column \d+/.test(e.details.join('\n')),
  );
  const missing = join(d, 'missing.yml');
  writeFileSync(missing, 'sources:\n  - type: file\n    path: /nonexistent-dir-xyz/access.log\n');
  assert.throws(
    () => loadConfig({ file: missing }),
    (e: unknown) =>
      e instanceof AppError && e.exitCode === 3 && e.details.some((x) => x.startsWith('sources[0].path:')),
  );
  const good = join(d, 'good.yml');
  writeFileSync(good, 'stateDir: ./state\nsources:\n  - type: file\n    path: ./access.log\n');
  const l = loadConfig({ file: good });
  assert.equal(l.config.stateDir, join(d, 'state'));
});
