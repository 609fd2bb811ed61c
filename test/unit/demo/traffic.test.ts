// The demo shop's generated logs: the walk-through in the README depends on the intrusion being
// in them (the attacker's upload and webshell calls, the SSH login with the stolen password),
// in time order, ending before "now"; a few junk lines (a TLS handshake on port 80) are kept as
// rejections, as real logs have them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoAttack, demoTraffic } from '../../../src/demo/index.ts';
import { getParser } from '../../../src/logs/parsers/index.ts';

const now = Date.UTC(2026, 10, 25, 12, 0, 0);

test('the demo logs hold the intrusion the walk-through finds, and all but a few junk lines parse', () => {
  const t = demoTraffic(now);
  const access = t.access.trimEnd().split('\n');
  const auth = t.auth.trimEnd().split('\n');
  assert.ok(access.length > 1000, `${access.length} access lines`);
  const ctx = { year: 2026, now, timezone: 'UTC' };
  const nginx = getParser('nginx');
  const times: number[] = [];
  let rejected = 0;
  for (const line of access) {
    const r = nginx.parse(line, ctx);
    if (r.type === 'event') times.push(r.event.time);
    else rejected++;
  }
  assert.ok(rejected > 0 && rejected < access.length / 100, `${rejected} junk lines`);
  assert.ok(
    times.every((x, i) => i === 0 || x >= (times[i - 1] as number)),
    'access lines in time order',
  );
  assert.ok((times.at(-1) as number) <= now && (times[0] as number) >= now - 25 * 3600_000, 'a day ending before now');
  const attacker = access.filter((l) => l.startsWith(`${demoAttack.attacker} `));
  assert.ok(attacker.some((l) => l.includes(`POST ${demoAttack.adminPath}/cms/wysiwyg_images/upload`)));
  assert.ok(attacker.some((l) => l.includes('/media/wysiwyg/.system/cache.php')));
  assert.ok(auth.some((l) => /Accepted password for deploy from 45\.155\.205\.99/.test(l)));
  assert.ok(t.skimmedAt <= now && t.skimmedAt > now - 24 * 3600_000);
  assert.deepEqual(demoTraffic(now), t, 'deterministic for a given now');
});
