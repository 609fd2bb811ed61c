// Repository locations (the backends registry, adapters/blob/): a folder, sftp://user@host[:port]/folder with
// a pinned host key, rclone:remote:path; and the repository config refusing what cannot work.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeSpec, parseLocation } from '../../../src/adapters/blob/index.ts';
import { checkConfig } from '../../../src/app/config.ts';

const KEY = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';

describe('repository locations', () => {
  it('reads sftp URLs: absolute folders, ~/ for the login folder, the port, IPv6', () => {
    const a = parseLocation('sftp://backup@box.example:2222/srv/ripcord', { hostKey: KEY, identityFile: 'id' }, (p) =>
      p === 'id' ? '/etc/ripcord/id' : p,
    );
    assert.ok(a.ok);
    assert.deepEqual(a.spec, {
      type: 'sftp',
      host: 'box.example',
      port: 2222,
      user: 'backup',
      path: '/srv/ripcord',
      hostKey: KEY,
      identityFile: '/etc/ripcord/id',
      timeoutSeconds: 30,
      retries: 5,
    });
    const b = parseLocation('sftp://u@[::1]/~/backups', { hostKey: KEY, passwordEnv: 'BOX_PASSWORD' });
    assert.ok(b.ok && b.spec.type === 'sftp');
    assert.equal(b.spec.host, '::1');
    assert.equal(b.spec.port, 22);
    assert.equal(b.spec.path, 'backups');
    assert.equal(describeSpec(b.spec), 'sftp://u@::1/~/backups');
  });

  it('refuses an sftp location without a host key, with a password in it, or without a user', () => {
    const noKey = parseLocation('sftp://u@h/x', {});
    assert.ok(!noKey.ok && noKey.field === 'hostKey' && /ssh-keygen/.test(noKey.message));
    const pw = parseLocation('sftp://u:secret@h/x', { hostKey: KEY });
    assert.ok(!pw.ok && !pw.message.includes('secret'));
    assert.ok(!parseLocation('sftp://h/x', { hostKey: KEY }).ok);
    assert.ok(!parseLocation('sftp://u@h/x', { hostKey: 'SHA256:short' }).ok);
  });

  it('reads rclone and folder locations', () => {
    const r = parseLocation('rclone:b2shop:bucket/ripcord', { rcloneConfig: 'rclone.conf' }, (p) => `/etc/${p}`);
    assert.ok(r.ok && r.spec.type === 'rclone');
    assert.equal(r.spec.remote, 'b2shop:bucket/ripcord');
    assert.equal(r.spec.configFile, '/etc/rclone.conf');
    assert.ok(!parseLocation('rclone:nocolon', {}).ok);
    const f = parseLocation('backups/repo', {}, (p) => `/srv/${p}`);
    assert.deepEqual(f, { ok: true, spec: { type: 'local', path: '/srv/backups/repo' } });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (text, hostKey) => {
        const p = parseLocation(text, { hostKey });
        if (p.ok && p.spec.type === 'sftp') assert.equal(p.spec.hostKey, hostKey);
      }),
    );
  });

  it('the config names the field: path and location together, an sftp location without hostKey, off-site entries', () => {
    const both = checkConfig({ repository: { path: '/a', location: '/b' } });
    assert.ok(!both.ok && both.problems.some((p) => p.path === 'repository.location'));
    const noKey = checkConfig({ repository: { offsite: { box: { location: 'sftp://u@h/x' } } } });
    assert.ok(!noKey.ok && noKey.problems.some((p) => p.path === 'repository.offsite.box.hostKey'));
    const good = checkConfig({
      repository: { offsite: { box: { location: 'sftp://u@h/x', hostKey: KEY, identityFile: '/k' } } },
    });
    assert.ok(good.ok, JSON.stringify(!good.ok && good.problems));
  });
});
