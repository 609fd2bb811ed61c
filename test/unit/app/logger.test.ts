// Ripcord's own log lines: redaction of secrets and addresses by field name, and readable,
// escaped lines on a terminal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanLine } from '../../../src/app/logger.ts';
import pino from 'pino';
import { redactPaths } from '../../../src/core/log.ts';

test('secrets and customer addresses are redacted by field name, at depth too', () => {
  const lines: string[] = [];
  const p = pino(
    { redact: { paths: redactPaths(), censor: '[redacted]' } },
    { write: (s: string) => void lines.push(s) },
  );
  p.info(
    {
      password: 'hunter2',
      channel: { secret: 's3', to: 'alice@example.com' },
      email: 'bob@example.com',
      user: 'deploy',
    },
    'x',
  );
  const out = lines.join('');
  for (const leaked of ['hunter2', 's3', 'alice@example.com', 'bob@example.com'])
    assert.ok(!out.includes(leaked), `${leaked} leaked: ${out}`);
  assert.match(out, /deploy/);
});

test('terminal lines are short and escape hostile text', () => {
  const line = humanLine(
    JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 10, 2, 9, 12, 1),
      pid: 1,
      msg: 'source failed',
      source: 'auth',
      err: 'bad \u001b[31m line',
    }),
  );
  assert.equal(line, '09:12:01 WARN source failed  source=auth err=bad \\x1b[31m line');
  assert.equal(humanLine('not json'), 'not json');
});
