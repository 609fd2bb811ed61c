// The HTTP API (Hono): versioned JSON under /api/v1 over the same app functions the CLI calls.
// Routes are declared once in a table (method, path, scope, zod schemas for the query and the
// body) from which both the Hono routes and the OpenAPI document (/api/v1/openapi.json) are
// made. Every request needs a bearer token (`ripcord tokens create`); writes need a write-scope
// token and are recorded in the audit log with the token's name. Errors are AppErrors mapped to
// their HTTP status in one JSON shape; lists are paged with a cursor; /api/v1/stream is a
// Server-Sent Events feed of new findings (attacks, logins from new places, file changes).
// Responses carry no-store, nosniff and a CSP that allows nothing.

import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { AppError, toAppError } from '../core/errors.ts';
import type { App } from '../app/context.ts';
import { checkToken, type TokenInfo } from '../app/tokens.ts';
import { ackAlert, addSilence, alertsStatus, expireSilence, listAlerts, listSilences } from '../app/alerts.ts';
import { listIncidents } from '../app/incident.ts';
import { campaignStatus, listCampaigns, pauseCampaign } from '../app/notices.ts';
import { assessFacts, factsSchema, listJurisdictions } from '../app/obligations.ts';
import {
  auditWrite,
  fileChanges,
  fileDiff,
  fileRevert,
  findingsPage,
  logins,
  trafficOverTime,
  trafficSearch,
  trafficTimeline,
  trafficTop,
} from '../app/http.ts';
import type { TopBy } from '../app/http.ts';
import { backupList, backupRun } from '../app/backup.ts';
import { listHosts } from '../app/hosts.ts';
import { mountDashboard } from './dashboard.ts';

type Env = { Variables: { token: TokenInfo } };

interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** Needs a write token (default: POST does, GET does not). */
  write?: boolean;
  query?: z.ZodType;
  body?: z.ZodType;
  handler: (c: Context<Env>, input: { query: unknown; body: unknown }) => Promise<unknown>;
}

const limit = z.coerce.number().int().min(1).max(1000).default(100).describe('at most this many');
const time = z.coerce.number().int().min(0).optional();
const host = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/)
  .optional()
  .describe('only what this host (web server) stored');

/** The `:id` path parameter as a positive whole number, else a usage error naming what it is. */
function idParam(c: Context<Env>, what: string): number {
  const id = Number(c.req.param('id'));
  if (!Number.isInteger(id) || id < 1) throw new AppError('usage', `${what} is a positive whole number`);
  return id;
}

function routes(app: App): Route[] {
  return [
    {
      method: 'get',
      path: '/health',
      summary: 'Whether the API answers, and which token asked',
      handler: async (c) => ({ ok: true, token: c.get('token').name }),
    },
    {
      method: 'get',
      path: '/findings',
      summary: 'Findings (attacks, logins from new places, file changes), oldest first, a page after a cursor',
      query: z.strictObject({
        after: z.coerce.number().int().min(0).default(0).describe('cursor: the last id seen'),
        host,
        limit,
      }),
      handler: async (_c, { query }) => {
        const q = query as { after: number; limit: number; host?: string };
        return findingsPage(app, q.after, q.limit, q.host);
      },
    },
    {
      method: 'get',
      path: '/traffic/search',
      summary: 'Requests and logins, newest first',
      query: z.strictObject({
        ip: z.string().max(64).optional(),
        path: z.string().max(512).optional().describe('glob over the path'),
        method: z.string().max(16).optional(),
        status: z
          .string()
          .regex(/^\d{3}(,\d{3})*$/)
          .optional()
          .describe('statuses, comma-separated'),
        since: time.describe('from (ms since the epoch)'),
        until: time.describe('up to (ms since the epoch)'),
        host,
        limit,
      }),
      handler: async (_c, { query }) => {
        const { status, ...q } = query as Omit<Parameters<typeof trafficSearch>[1], 'status'> & { status?: string };
        return {
          items: await trafficSearch(app, { ...q, ...(status ? { status: status.split(',').map(Number) } : {}) }),
        };
      },
    },
    {
      method: 'get',
      path: '/traffic/top',
      summary: 'The most frequent addresses, paths, statuses, user agents or login users over a window',
      query: z.strictObject({
        by: z.enum(['ip', 'path', 'status', 'user-agent', 'user']).default('ip'),
        since: time,
        until: time,
        limit,
      }),
      handler: async (_c, { query }) => {
        const q = query as { by: TopBy; since?: number; until?: number; limit: number };
        return { items: await trafficTop(app, q) };
      },
    },
    {
      method: 'get',
      path: '/traffic/timeline',
      summary: 'Requests, logins and findings between two instants, oldest first (an attacker’s timeline with ip)',
      query: z.strictObject({
        from: z.coerce.number().int().min(0).describe('from (ms since the epoch)'),
        to: z.coerce.number().int().min(0).describe('up to (ms since the epoch)'),
        ip: z.string().max(64).optional(),
        limit,
      }),
      handler: async (_c, { query }) => {
        const q = query as { from: number; to: number; ip?: string; limit: number };
        return { items: await trafficTimeline(app, q) };
      },
    },
    {
      method: 'get',
      path: '/traffic/over-time',
      summary: 'Requests per time bucket by status class, with the leading addresses and paths',
      query: z.strictObject({
        since: z.coerce.number().int().min(0),
        until: z.coerce.number().int().min(0),
        buckets: z.coerce.number().int().min(1).max(1000).default(96),
      }),
      handler: async (_c, { query }) => {
        const q = query as { since: number; until: number; buckets: number };
        if (q.until <= q.since) throw new AppError('usage', 'until must be after since', { where: 'until' });
        return trafficOverTime(app, { ...q, top: 10 });
      },
    },
    {
      method: 'get',
      path: '/traffic/logins',
      summary: 'Successful logins and connections (SSH, FTP, sudo, shop admin), with new places flagged',
      query: z.strictObject({ since: time, until: time, failed: z.enum(['true', 'false']).optional(), host, limit }),
      handler: async (_c, { query }) => ({ items: await logins(app, query as Parameters<typeof logins>[1]) }),
    },
    {
      method: 'get',
      path: '/alerts',
      summary: 'Alerts (groups of findings sent to the channels)',
      query: z.strictObject({ status: z.enum(['open', 'acked']).optional(), limit }),
      handler: async (_c, { query }) => {
        const q = query as { status?: 'open' | 'acked'; limit: number };
        return { items: await listAlerts(app, { limit: q.limit, ...(q.status ? { status: q.status } : {}) }) };
      },
    },
    {
      method: 'get',
      path: '/alerts/status',
      summary: "The alert channels' health (failing since, last error, last success) and the outbox counts",
      handler: async () => alertsStatus(app),
    },
    {
      method: 'post',
      path: '/alerts/:id/ack',
      summary: 'Acknowledge an alert (no more reminders)',
      handler: async (c) => ackAlert(app, idParam(c, 'an alert id')),
    },
    {
      method: 'get',
      path: '/alerts/silences',
      summary: 'Silences (matchers that hold alerts back for a while), active ones unless all=true',
      query: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      handler: async (_c, { query }) => ({
        items: await listSilences(app, (query as { all?: string }).all === 'true'),
      }),
    },
    {
      method: 'post',
      path: '/alerts/silences',
      summary: 'Silence alerts matching `match` (e.g. rule=ssh-brute-force,ip=203.0.113.9) for forMinutes',
      body: z.strictObject({
        match: z.string().min(1).max(500),
        forMinutes: z.number().positive().max(525_600),
        comment: z.string().max(500).optional(),
      }),
      handler: async (_c, { body }) => {
        const b = body as { match: string; forMinutes: number; comment?: string };
        return addSilence(app, { match: b.match, forMs: b.forMinutes * 60_000, comment: b.comment });
      },
    },
    {
      method: 'post',
      path: '/alerts/silences/:id/expire',
      summary: 'End a silence now',
      handler: async (c) => expireSilence(app, idParam(c, 'a silence id')),
    },
    {
      method: 'get',
      path: '/integrity/changes',
      summary: 'Files changed since the known-good baseline, with malicious code found and the requests before each',
      handler: async () => fileChanges(app),
    },
    {
      method: 'get',
      path: '/integrity/diff',
      summary: 'One file against its known-good copy: sizes, hashes, modes and the unified diff',
      query: z.strictObject({ path: z.string().min(1).max(4096).describe('absolute, or relative to the site root') }),
      handler: async (_c, { query }) => fileDiff(app, (query as { path: string }).path),
    },
    {
      method: 'post',
      path: '/integrity/revert',
      summary:
        'Writes the known-good copy of a file back (an added file goes to the quarantine); refused when the file is no longer what `expect` says',
      body: z.strictObject({
        path: z.string().min(1).max(4096),
        expect: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .nullable()
          .describe("the current content's SHA-256 from /integrity/diff (null: missing)"),
        dryRun: z.boolean().default(false),
      }),
      handler: async (c, { body }) => {
        const b = body as { path: string; expect: string | null; dryRun: boolean };
        return fileRevert(app, { ...b, by: `api token ${c.get('token').name}` });
      },
    },
    {
      method: 'get',
      path: '/backups',
      summary: 'Backup snapshots, oldest first',
      query: z.strictObject({ job: z.string().max(64).optional() }),
      handler: async (_c, { query }) => ({ items: await backupList(app, (query as { job?: string }).job) }),
    },
    {
      method: 'post',
      path: '/backups/run',
      summary: 'Runs backup jobs now (all, or those named) and answers with each one’s result',
      body: z.strictObject({ jobs: z.array(z.string().max(64)).max(100).default([]) }),
      handler: async (_c, { body }) => ({ items: await backupRun(app, { jobs: (body as { jobs: string[] }).jobs }) }),
    },
    {
      method: 'get',
      path: '/hosts',
      summary: 'The servers feeding this store: role, last heard from, and whether each has gone quiet',
      handler: async () => ({ items: await listHosts(app) }),
    },
    {
      method: 'get',
      path: '/incidents',
      summary: 'Incidents, with their status and facts',
      handler: async () => ({ items: await listIncidents(app) }),
    },
    {
      method: 'get',
      path: '/obligations/jurisdictions',
      summary: 'The jurisdictions the obligations data set covers',
      handler: async () => ({
        items: listJurisdictions().map((j) => ({ code: j.code, name: j.name })),
      }),
    },
    {
      method: 'post',
      path: '/obligations/assess',
      summary: 'Which breach laws apply to a facts document and what each demands by when (reads only)',
      write: false,
      body: factsSchema,
      handler: async (_c, { body }) => assessFacts(body as z.infer<typeof factsSchema>, { clock: app.clock }),
    },
    {
      method: 'get',
      path: '/notices/campaigns',
      summary: 'Customer notice campaigns with what was sent',
      handler: async () => ({ items: await listCampaigns(app) }),
    },
    {
      method: 'get',
      path: '/notices/campaigns/:name',
      summary: 'One campaign: sent, left, failed, in doubt, per variant',
      handler: async (c) => campaignStatus(app, c.req.param('name') ?? ''),
    },
    {
      method: 'post',
      path: '/notices/campaigns/:name/pause',
      summary: 'Pause a campaign (its sender stops after the messages in flight)',
      handler: async (c) => pauseCampaign(app, c.req.param('name') ?? ''),
    },
  ];
}

/** The OpenAPI 3.1 document of the route table. */
function openApi(table: readonly Route[]): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const r of table) {
    const path = `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const pathParams = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = r.query
      ? Object.entries(
          ((z.toJSONSchema(r.query, { io: 'input', unrepresentable: 'any' }) as { properties?: object }).properties ??
            {}) as Record<string, object>,
        ).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
      : [];
    paths[path] ??= {};
    (paths[path] as Record<string, object>)[r.method] = {
      summary: r.summary,
      security: [{ bearer: [] }],
      parameters: [...pathParams, ...queryParams],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }) },
              },
            },
          }
        : {}),
      responses: {
        '200': { description: 'OK (JSON)' },
        default: { description: 'An error: { error: { code, message, where?, details } }' },
      },
      'x-scope': (r.write ?? r.method === 'post') ? 'write' : 'read',
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Ripcord API', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

function parse(schema: z.ZodType, value: unknown, what: string): unknown {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new AppError('usage', `bad ${what}`, {
      details: r.error.issues.map((i) => `${i.path.join('.') || `(${what})`}: ${i.message}`),
    });
  return r.data;
}

export function createApi(app: App): Hono<Env> {
  const api = new Hono<Env>();
  const table = routes(app);

  api.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    // pages set their own (a stylesheet); everything else allows nothing
    if (c.res.headers.get('Content-Security-Policy') === null)
      c.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    c.header('Referrer-Policy', 'no-referrer');
  });

  api.onError((e, c) => {
    const err = toAppError(e);
    const status = err.httpStatus as 400 | 401 | 403 | 404 | 409 | 422 | 500 | 503;
    // internal details stay in the server's log, not in the answer
    const message = status >= 500 && err.code !== 'unavailable' ? 'internal error' : err.message;
    if (status >= 500) app.logger.error({ err: err.describe(), path: c.req.path }, 'api error');
    if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="ripcord"');
    return c.json(
      { error: { code: err.code, message, ...(err.where ? { where: err.where } : {}), details: err.details } },
      status,
    );
  });
  api.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint', details: [] } }, 404));

  mountDashboard(api, app);

  const doc = openApi(table);
  api.get('/api/v1/openapi.json', (c) => c.json(doc));

  // every other /api/v1 request: a live bearer token
  api.use('/api/v1/*', async (c, next) => {
    const m = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '');
    const token = m?.[1] === undefined ? null : await checkToken(app, m[1]);
    if (token === null) throw new AppError('auth', 'a valid API token is needed (`ripcord tokens create NAME`)');
    c.set('token', token);
    await next();
  });

  for (const r of table) {
    const write = r.write ?? r.method === 'post';
    api[r.method](`/api/v1${r.path}`, async (c) => {
      const token = c.get('token');
      if (write && token.scope !== 'write') throw new AppError('forbidden', `token ${token.name} may only read`);
      const query = r.query ? parse(r.query, c.req.query(), 'query parameters') : {};
      let body: unknown = null;
      if (r.body) {
        let raw: unknown;
        try {
          raw = await c.req.json();
        } catch {
          throw new AppError('parse', 'the body is not JSON');
        }
        body = parse(r.body, raw, 'body');
      }
      let status = 200;
      try {
        return c.json((await r.handler(c, { query, body })) as object);
      } catch (e) {
        status = toAppError(e).httpStatus;
        throw e;
      } finally {
        if (write) await auditWrite(app, { by: token.name, method: c.req.method, path: c.req.path, status });
      }
    });
  }

  // the live feed: findings as they are stored (`Last-Event-ID` resumes after a reconnect)
  api.get('/api/v1/stream', (c) => {
    let after = Number(c.req.header('Last-Event-ID') ?? c.req.query('after') ?? NaN);
    return streamSSE(c, async (s) => {
      const findings = await app.findings();
      if (!Number.isInteger(after) || after < 0) {
        // from now on: the newest id is the start
        after = await findings.lastFindingId();
      }
      while (!s.aborted) {
        const page = await findings.findingsAfter(after, 200);
        for (const f of page) {
          await s.writeSSE({ id: String(f.id), event: 'finding', data: JSON.stringify(f) });
          after = f.id;
        }
        if (page.length === 0) {
          await s.writeSSE({ event: 'ping', data: '{}' });
          await s.sleep(1000);
        }
      }
    });
  });

  return api;
}
