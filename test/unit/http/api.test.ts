// The HTTP API in process (Hono's request(), no socket) over a real app on SQLite: the OpenAPI
// document lists every route of the table with its scope and query parameters; errors have one
// shape with the AppError's status; a read token cannot write and a write through a write
// token is audited; the dashboard refuses a request without a session.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/app/context.ts';
import { loadConfig } from '../../../src/app/config.ts';
import { createToken } from '../../../src/app/tokens.ts';
import { createApi } from '../../../src/http/api.ts';

test('routes, OpenAPI, scopes, error shape and audit, in process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-api-'));
  writeFileSync(join(dir, 'ripcord.yml'), 'stateDir: ./state\n');
  const app = createApp(loadConfig({ cwd: dir }));
  try {
    const api = createApi(app);
    const reader = (await createToken(app, 'reader', 'read')).token;
    const writer = (await createToken(app, 'writer', 'write')).token;
    const call = (path: string, token?: string, init: RequestInit = {}) =>
      api.request(path, { ...init, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}) } });

    const doc = (await (await call('/api/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { 'x-scope': string; parameters: { name: string; in: string }[] }>>;
    };
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/api/v1/alerts',
      '/api/v1/alerts/silences',
      '/api/v1/alerts/silences/{id}/expire',
      '/api/v1/alerts/status',
      '/api/v1/alerts/{id}/ack',
      '/api/v1/backups',
      '/api/v1/backups/run',
      '/api/v1/findings',
      '/api/v1/health',
      '/api/v1/hosts',
      '/api/v1/incidents',
      '/api/v1/integrity/changes',
      '/api/v1/integrity/diff',
      '/api/v1/integrity/revert',
      '/api/v1/notices/campaigns',
      '/api/v1/notices/campaigns/{name}',
      '/api/v1/notices/campaigns/{name}/pause',
      '/api/v1/obligations/assess',
      '/api/v1/obligations/jurisdictions',
      '/api/v1/traffic/logins',
      '/api/v1/traffic/over-time',
      '/api/v1/traffic/search',
      '/api/v1/traffic/timeline',
      '/api/v1/traffic/top',
    ]);
    assert.equal(doc.paths['/api/v1/alerts/{id}/ack']?.['post']?.['x-scope'], 'write');
    assert.deepEqual(
      doc.paths['/api/v1/alerts/{id}/ack']?.['post']?.parameters.map((p) => `${p.in}:${p.name}`),
      ['path:id'],
    );

    const none = await call('/api/v1/health');
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), {
      error: { code: 'auth', message: 'a valid API token is needed (`ripcord tokens create NAME`)', details: [] },
    });
    assert.equal((await call('/api/v1/health', reader)).status, 200);

    const bad = await call('/api/v1/alerts?status=closed', reader);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; details: string[] } };
    assert.equal(body.error.code, 'usage');
    assert.match(body.error.details.join(' '), /^status: /);

    assert.equal((await call('/api/v1/alerts/1/ack', reader, { method: 'POST' })).status, 403);
    const missing = await call('/api/v1/alerts/1/ack', writer, { method: 'POST' });
    assert.equal(missing.status, 404);
    const audit = readFileSync(join(dir, 'state', 'http-audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    assert.deepEqual(
      audit.map((l) => {
        const e = JSON.parse(l) as { by: string; path: string; status: number };
        return [e.by, e.path, e.status];
      }),
      [['writer', '/api/v1/alerts/1/ack', 404]],
    );

    assert.equal((await call('/')).status, 401);
    assert.match((await call('/')).headers.get('content-security-policy') ?? '', /style-src 'self'/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
