// Component modules (sources, channels, repository backends): each registered one declares a strict schema with every
// field described, its `type` matches the literal in the schema, and a spec is built by the
// component its `type` names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { sources } from '../../../src/adapters/sources/index.ts';
import { channels } from '../../../src/adapters/channels/index.ts';
import { backends } from '../../../src/adapters/blob/index.ts';
import { jobKinds } from '../../../src/adapters/dump/index.ts';
import { configSchema } from '../../../src/app/config.ts';

const registries = [sources, channels, backends, jobKinds];

test('every registered component has a strict schema, every field described, its type as the literal', () => {
  for (const r of registries) {
    assert.ok(r.components.length >= 3, r.kind);
    for (const c of r.components) {
      const schema = c.schema as unknown as z.ZodObject;
      assert.ok(schema instanceof z.ZodObject, `${r.kind} ${c.type}: an object schema`);
      for (const [field, s] of Object.entries(schema.shape))
        assert.ok(
          typeof (s as z.ZodType).description === 'string' && (s as z.ZodType).description !== '',
          `${r.kind} ${c.type}: field ${field} has no description`,
        );
      assert.equal(schema.shape['type'] instanceof z.ZodLiteral, true, `${r.kind} ${c.type}: type is a literal`);
      assert.deepEqual([...(schema.shape['type'] as z.ZodLiteral).values], [c.type]);
      // Strict: an unknown key is refused, at its place.
      const r2 = schema.safeParse({ type: c.type, surprise: 1 });
      assert.equal(r2.success, false);
      assert.ok(
        r2.error?.issues.some((i) => i.code === 'unrecognized_keys'),
        `${r.kind} ${c.type} is not strict`,
      );
    }
  }
});

test('the composed config schema knows every registered type, and builds by type', () => {
  const cfg = configSchema.parse({
    sources: [
      { type: 'stdin', id: 'in' },
      { type: 'syslog', listen: '127.0.0.1:0' },
    ],
    alerts: {
      channels: {
        a: { type: 'mattermost', url: 'https://chat.example/hooks/x' },
        b: { type: 'command', argv: ['true'] },
      },
    },
  });
  const built = cfg.sources.map((s) =>
    sources.create(s, { baseDir: '/', follow: false, batchLines: 10, stdin: process.stdin }),
  );
  assert.deepEqual(
    built.map((s) => s.id),
    ['in', 'syslog:127.0.0.1:0'],
  );
  const a = channels.create(cfg.alerts.channels['a'] as (typeof cfg.alerts.channels)[string], {
    name: 'a',
    now: Date.now,
  });
  assert.equal(a.type, 'mattermost');
  assert.equal(a.name, 'a');
  assert.throws(
    () => channels.create({ type: 'pigeon', timeoutMs: 1 }, { name: 'x', now: Date.now }),
    /unknown channel type pigeon/,
  );
});
