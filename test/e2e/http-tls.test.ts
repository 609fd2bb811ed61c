// The API served directly over HTTPS (http.tls: a certificate and key in the config): a client
// that trusts the certificate gets the same answers; the sign-in link is https; an unreadable
// key stops the start with a message naming the field and the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../helpers/net.ts';
import { until } from '../helpers/receivers.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const openssl = spawnSync('openssl', ['version']).status === 0;

function getJson(url: string, ca: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    get(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

test('https from http.tls', openssl ? {} : { skip: 'needs the openssl command (Debian package openssl)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-tls-'));
  const port = await freePort();
  let run: ChildProcess | null = null;
  try {
    const mk = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(mk.status, 0, mk.stderr);
    const cfg = (key: string) =>
      `stateDir: ./state\nhttp: { listen: "127.0.0.1:${port}", tls: { cert: ./cert.pem, key: ${key} } }\n`;
    writeFileSync(join(dir, 'ripcord.yml'), cfg('./missing.pem'));
    const cli = (...a: string[]) =>
      spawnSync(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), ...a], { cwd: dir, encoding: 'utf8' });
    const bad = cli('run');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /http\.tls\.key .*missing\.pem.*cannot read the TLS key: ENOENT/);

    writeFileSync(join(dir, 'ripcord.yml'), cfg('./key.pem'));
    const token = (JSON.parse(cli('tokens', 'create', 't', '--json').stdout) as { token: string }).token;
    run = spawn(process.execPath, [main, '--config', join(dir, 'ripcord.yml'), 'run'], { cwd: dir, stdio: 'ignore' });
    const ca = readFileSync(join(dir, 'cert.pem'));
    let health = { status: 0, body: '' };
    await until('https answers', async () => {
      try {
        health = await getJson(`https://127.0.0.1:${port}/api/v1/health`, ca, { Authorization: `Bearer ${token}` });
        return true;
      } catch {
        return false;
      }
    });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { ok: true, token: 't' });
    assert.match(
      JSON.parse(cli('dashboard', 'link', '--json').stdout).url as string,
      /^https:\/\/127\.0\.0\.1:\d+\/login\?t=/,
    );
  } finally {
    run?.kill('SIGTERM');
    await new Promise((r) => (run === null ? r(null) : run.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
