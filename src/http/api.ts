// The HTTP API (Hono): versioned JSON under /api/v1 over the same app functions the CLI calls.
// Every request needs a bearer token (`ripcord tokens create`); writes need a write-scope
// token and are recorded in the audit log with the token's name. Errors are AppErrors mapped
// to their HTTP status in one JSON shape; query parameters are checked with zod; lists are
// paged with a cursor. Responses carry no-store, nosniff and a CSP that allows nothing.

import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { AppError, toAppError } from '../core/errors.ts';
import type { App } from '../app/context.ts';
import { checkToken, type TokenInfo } from '../app/tokens.ts';
import { ackAlert, listAlerts } from '../app/alerts.ts';
import { listIncidents } from '../app/incident.ts';
import { campaignStatus, listCampaigns, pauseCampaign } from '../app/notices.ts';
import { auditWrite, findingsPage } from '../app/http.ts';

type Env = { Variables: { token: TokenInfo } };

/** Parses query parameters with a zod schema; a bad one is a 400 naming the parameter. */
function params<T extends z.ZodType>(c: Context<Env>, schema: T): z.infer<T> {
  const r = schema.safeParse(c.req.query());
  if (!r.success)
    throw new AppError('usage', 'bad query parameters', {
      details: r.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`),
    });
  return r.data;
}

const limit = z.coerce.number().int().min(1).max(1000).default(100);

export function createApi(app: App): Hono<Env> {
  const api = new Hono<Env>();

  api.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    c.header('Referrer-Policy', 'no-referrer');
  });

  api.onError((e, c) => {
    const err = toAppError(e);
    const status = err.httpStatus as 400 | 401 | 403 | 404 | 409 | 422 | 500 | 503;
    // internal details stay in the server's log, not in the answer
    const message = status >= 500 && err.code !== 'unavailable' ? 'internal error' : err.message;
    if (status >= 500) app.logger.error({ err: err.describe(), path: c.req.path }, 'api error');
    return c.json(
      { error: { code: err.code, message, ...(err.where ? { where: err.where } : {}), details: err.details } },
      status,
    );
  });
  api.notFound((c) => c.json({ error: { code: 'not_found', message: 'no such endpoint', details: [] } }, 404));

  // every /api/v1 request: a live bearer token; writes: a write token
  api.use('/api/v1/*', async (c, next) => {
    const m = /^Bearer (\S+)$/.exec(c.req.header('Authorization') ?? '');
    const token = m?.[1] === undefined ? null : await checkToken(app, m[1]);
    if (token === null) {
      c.header('WWW-Authenticate', 'Bearer realm="ripcord"');
      throw new AppError('auth', 'a valid API token is needed (`ripcord tokens create NAME`)');
    }
    const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    if (write && token.scope !== 'write') throw new AppError('forbidden', `token ${token.name} may only read`);
    c.set('token', token);
    await next();
    if (write) await auditWrite(app, { by: token.name, method: c.req.method, path: c.req.path, status: c.res.status });
  });

  api.get('/api/v1/health', (c) => c.json({ ok: true, token: c.get('token').name }));

  api.get('/api/v1/findings', async (c) => {
    const q = params(c, z.strictObject({ after: z.coerce.number().int().min(0).default(0), limit }));
    return c.json(await findingsPage(app, q.after, q.limit));
  });

  api.get('/api/v1/alerts', async (c) => {
    const q = params(c, z.strictObject({ status: z.enum(['open', 'acked']).optional(), limit }));
    return c.json({ items: await listAlerts(app, { limit: q.limit, ...(q.status ? { status: q.status } : {}) }) });
  });

  api.post('/api/v1/alerts/:id/ack', async (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isInteger(id) || id < 1) throw new AppError('usage', 'an alert id is a positive whole number');
    return c.json(await ackAlert(app, id));
  });

  api.get('/api/v1/incidents', async (c) => c.json({ items: await listIncidents(app) }));

  api.get('/api/v1/notices/campaigns', async (c) => c.json({ items: await listCampaigns(app) }));
  api.get('/api/v1/notices/campaigns/:name', async (c) => c.json(await campaignStatus(app, c.req.param('name'))));
  api.post('/api/v1/notices/campaigns/:name/pause', async (c) => c.json(await pauseCampaign(app, c.req.param('name'))));

  return api;
}
