// The rule test runner behind `ripcord rules test`: each case feeds lines or events to a
// fresh detector (all enabled rules, empty state, optional login history) and compares the
// set of rules that fired with the case's `expect` — exactly, so a case also proves that no
// other rule fires on it (clean look-alikes have `expect: []`).

import type { AuthEvent, HttpEvent, LogEvent } from '../core/events.ts';
import { AppError } from '../core/errors.ts';
import type { Finding } from '../core/finding.ts';
import { createDetector } from './detector.ts';
import { MemoryLoginHistory } from './history.ts';
import type { RuleSet } from './load.ts';
import { parseDuration, type CaseSpec, type StepSpec } from './spec.ts';

/** Parses one raw line with a named format (injected by the app: the parsers live in logs). */
export type LineParser = (format: string, line: string) => LogEvent | { error: string };

export interface CaseResult {
  file: string;
  name: string;
  ok: boolean;
  /** Why it could not run (bad event, no parser), when it could not. */
  problem: string | null;
  expected: string[];
  got: string[];
  findings: Finding[];
}

/** 2024-01-15 10:00 UTC, a Monday morning: when cases start unless they say otherwise. */
const CASE_START = Date.UTC(2024, 0, 15, 10, 0, 0);

const httpDefaults = (time: number): HttpEvent => ({
  kind: 'http',
  time,
  ip: '203.0.113.7',
  method: 'GET',
  path: '/',
  query: '',
  protocol: 'HTTP/1.1',
  status: 200,
  bytes: 1234,
  referer: null,
  userAgent:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  user: null,
  vhost: null,
  durationMs: null,
});

const authDefaults = (time: number): AuthEvent => ({
  kind: 'auth',
  time,
  service: 'ssh',
  action: 'login',
  outcome: 'failure',
  user: null,
  ip: '203.0.113.7',
  port: null,
  method: 'password',
  invalidUser: false,
  targetUser: null,
  command: null,
  host: 'shop',
  program: 'sshd',
  message: '',
});

/** "GET /a?b HTTP/1.1" -> method, path, query, protocol. */
export function splitRequest(request: string): { method: string; path: string; query: string; protocol: string } {
  const parts = request.trim().split(' ');
  const method = parts.shift() ?? 'GET';
  let protocol = 'HTTP/1.1';
  if (parts.length > 1 && /^HTTP\/\d/i.test(parts[parts.length - 1] ?? '')) protocol = parts.pop() ?? protocol;
  const target = parts.join(' ') || '/';
  const q = target.indexOf('?');
  return q < 0
    ? { method, path: target, query: '', protocol }
    : { method, path: target.slice(0, q), query: target.slice(q + 1), protocol };
}

function buildEvent(step: StepSpec, time: number, parseLine: LineParser | undefined): LogEvent | string {
  if (step.line !== undefined) {
    if (parseLine === undefined) return 'a `line:` case needs the log parsers';
    const r = parseLine(step.format ?? 'auto', step.line);
    if ('error' in r) return `line not parsed: ${r.error}`;
    return { ...r, time };
  }
  if (step.request !== undefined) {
    return {
      ...httpDefaults(time),
      ...splitRequest(step.request),
      ...(step.ip !== undefined ? { ip: step.ip } : {}),
      ...(step.ua !== undefined ? { userAgent: step.ua } : {}),
      ...(step.referer !== undefined ? { referer: step.referer } : {}),
      ...(step.status !== undefined ? { status: step.status } : {}),
    };
  }
  if (step.event !== undefined) {
    const kind = step.event['kind'] ?? 'http';
    const base: Record<string, unknown> =
      kind === 'auth' ? { ...authDefaults(time) } : kind === 'http' ? { ...httpDefaults(time) } : {};
    if (!('kind' in base)) return `event kind must be http or auth, not ${String(kind)}`;
    for (const [k, v] of Object.entries(step.event)) {
      if (!(k in base)) return `unknown ${String(kind)} event field "${k}" (known: ${Object.keys(base).join(', ')})`;
      base[k] = v;
    }
    base['time'] = time;
    if (kind === 'auth' && base['message'] === '') {
      base['message'] =
        `${String(base['service'])} ${String(base['action'])} ${String(base['outcome'])} for ${String(base['user'])} from ${String(base['ip'])}`;
    }
    return base as unknown as LogEvent;
  }
  return 'a case needs one of line, request, event or steps';
}

function vary(e: LogEvent, field: string | undefined, i: number): LogEvent {
  if (field === undefined || i === 0) return e;
  switch (field) {
    case 'ip':
      return { ...e, ip: `198.18.${(i >> 8) & 255}.${i & 255}` };
    case 'user':
      return { ...e, user: `${e.user ?? 'user'}${i}` };
    case 'path':
      return e.kind === 'http' ? { ...e, path: `${e.path}${i}` } : e;
    default:
      return e;
  }
}

export function runCase(set: RuleSet, file: string, c: CaseSpec, parseLine?: LineParser): CaseResult {
  const history = new MemoryLoginHistory();
  for (const h of c.history ?? [])
    history.remember({
      service: h.service,
      user: h.user,
      ip: h.ip,
      time: h.time === undefined ? CASE_START - 86_400_000 : Date.parse(h.time),
    });
  const detector = createDetector(set.compiled, { history });
  const findings: Finding[] = [];
  const expected = [...new Set(c.expect)].sort();
  const result = (problem: string | null): CaseResult => {
    const got = [...new Set(findings.map((f) => f.rule))].sort();
    const ok = problem === null && got.length === expected.length && got.every((g, i) => g === expected[i]);
    return { file, name: c.name, ok, problem, expected, got, findings };
  };
  const steps: StepSpec[] = c.steps ?? [c];
  let time = CASE_START;
  for (const step of steps) {
    if (step.at !== undefined) time = Date.parse(step.at);
    const every = step.every === undefined ? 1000 : parseDuration(step.every);
    const base = buildEvent(step, time, parseLine);
    if (typeof base === 'string') return result(base);
    for (let i = 0; i < step.repeat; i++) {
      const e = vary({ ...base, time }, step.vary, i);
      findings.push(...detector.process(e));
      time += every;
    }
  }
  return result(null);
}

/**
 * Runs the test cases of the rule set. `only` picks one rule id (the cases of its file) or
 * one file name (`sqli`); cases expecting a disabled rule are left out.
 */
export function runRuleTests(
  set: RuleSet,
  opts: { only?: string | undefined; parseLine?: LineParser | undefined } = {},
): CaseResult[] {
  let files = set.files;
  if (opts.only !== undefined) {
    const only = opts.only;
    files = files.filter((f) => f.name === only || f.rules.some((r) => r.id === only));
    if (files.length === 0) throw new AppError('not_found', `no rule or rule file named "${only}"`);
  }
  const disabled = new Set(set.disabled);
  const out: CaseResult[] = [];
  for (const f of files) {
    for (const t of f.tests) {
      if (t.spec.expect.some((id) => disabled.has(id))) continue;
      out.push(runCase(set, t.file, t.spec, opts.parseLine));
    }
  }
  return out;
}
