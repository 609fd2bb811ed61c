// Routing and silences: which routes a finding takes (first match wins unless `continue`),
// the group key it gets on a route, and whether a silence mutes it. Pure.

import type { Silence, SilenceMatch, StoredFindingLike } from './ports.ts';
import type { GroupField, RouteSpec } from '../core/config/alerts.ts';
import { severities } from '../detect/index.ts';
import { AppError } from '../core/errors.ts';
import { escapeRegExp } from '../core/escape.ts';

/** `*` matches any run of characters; everything else is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*').map(escapeRegExp);
  return new RegExp(`^${parts.join('.*')}$`, 's').test(value);
}

const anyOf = (list: readonly string[] | undefined, value: string | null): boolean =>
  list === undefined || (value !== null && list.some((p) => globMatch(p, value)));

export function severityRank(s: string): number {
  return severities.indexOf(s as (typeof severities)[number]);
}

function routeMatches(route: RouteSpec, f: StoredFindingLike): boolean {
  const m = route.match;
  if (m.minSeverity !== undefined && severityRank(f.severity) < severityRank(m.minSeverity)) return false;
  return (
    anyOf(m.rule, f.rule) &&
    anyOf(m.category, f.category) &&
    anyOf(m.service, f.service) &&
    anyOf(m.user, f.user) &&
    anyOf(m.ip, f.ip)
  );
}

/** The routes a finding takes, in order. */
export function routesFor(routes: readonly RouteSpec[], f: StoredFindingLike): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (const r of routes) {
    if (!routeMatches(r, f)) continue;
    out.push(r);
    if (!r.continue) break;
  }
  return out;
}

function field(f: StoredFindingLike, g: GroupField): string {
  switch (g) {
    case 'finding':
      return `#${f.id}`;
    case 'groupKey':
      return f.groupKey;
    default:
      return f[g] ?? '';
  }
}

/** The key that puts findings in one alert on this route. */
export function groupKeyOf(route: RouteSpec, f: StoredFindingLike): string {
  // JSON keeps the key unambiguous whatever the values contain.
  return JSON.stringify(route.groupBy.map((g) => field(f, g)));
}

export const silenceFields = ['rule', 'category', 'severity', 'ip', 'user', 'service', 'groupKey'] as const;

/** Parses `rule=ssh-brute-force,ip=203.0.113.9` (values may use `*`). */
export function parseSilenceMatch(text: string): SilenceMatch {
  const out: SilenceMatch = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (eq <= 0 || v === '') throw new AppError('usage', `bad matcher "${p}": write field=value`);
    if (!(silenceFields as readonly string[]).includes(k))
      throw new AppError('usage', `unknown field "${k}" (one of ${silenceFields.join(', ')})`);
    out[k as (typeof silenceFields)[number]] = v;
  }
  if (Object.keys(out).length === 0)
    throw new AppError('usage', 'a silence needs at least one matcher, e.g. rule=ssh-brute-force,ip=203.0.113.9');
  return out;
}

export function silenceMatches(s: SilenceMatch, f: StoredFindingLike): boolean {
  for (const k of silenceFields) {
    const want = s[k];
    if (want === undefined) continue;
    const have = f[k];
    if (have === null || !globMatch(want, have)) return false;
  }
  return true;
}

/** The first active silence that mutes the finding, if any. */
export function silencedBy(silences: readonly Silence[], f: StoredFindingLike, now: number): Silence | undefined {
  return silences.find((s) => s.startsAt <= now && now < s.endsAt && silenceMatches(s.match, f));
}
