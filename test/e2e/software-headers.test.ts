// The web server and PHP versions from the shop's own response headers: `ripcord software list
// --url` against a real HTTP server on loopback that answers like Debian's Apache with PHP,
// one that refuses HEAD, and one that does not answer (listed as skipped, nothing else lost).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function cli(dir: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [main, '--state-dir', dir, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${a.port}/` };
}

test('software list reads Server and X-Powered-By from the shop answer (HEAD, else GET)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-headers-'));
  const methods: string[] = [];
  const apache = await listen((req, res) => {
    methods.push(req.method ?? '');
    res.writeHead(302, { server: 'Apache/2.4.62 (Debian)', 'x-powered-by': 'PHP/8.2.26', location: '/other' }).end();
  });
  const noHead = await listen((req, res) => {
    if (req.method === 'HEAD') res.writeHead(405, { server: 'whatever' }).end();
    else res.writeHead(200, { server: 'nginx/1.22.1' }).end('<html>shop</html>');
  });
  try {
    const r = await cli(dir, 'software', 'list', '--no-system', '--url', apache.url, '--json');
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; version: string; ecosystem: string; kind: string; where: string });
    assert.deepEqual(
      rows.map((x) => [x.name, x.version, x.ecosystem, x.kind]),
      [
        ['apache2', '2.4.62', 'binary', 'server'],
        ['php', '8.2.26', 'binary', 'server'],
      ],
    );
    assert.match(rows[0]?.where ?? '', /^Server header of http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(methods, ['HEAD'], 'one HEAD, the redirect not followed');

    const g = await cli(dir, 'software', 'list', '--no-system', '--url', noHead.url, '--json');
    assert.equal(g.code, 0, g.stderr);
    assert.deepEqual(
      g.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string; version: string }).name),
      ['nginx'],
    );

    const port = (apache.server.address() as { port: number }).port;
    await new Promise<void>((r) => apache.server.close(() => r()));
    const down = await cli(dir, 'software', 'list', '--no-system', '--url', `http://127.0.0.1:${port}/`);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr + down.stdout, /skipped: http:\/\/127\.0\.0\.1:\d+\/: no answer/);
  } finally {
    apache.server.close();
    noHead.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
