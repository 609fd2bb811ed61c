// The running detector: compiled rules plus their state (threshold buckets, the login
// history) turned into `process(event) -> findings`. Event time drives every window, so
// replaying old logs gives the findings they would have given live. Memory is bounded: a
// bucket holds at most `count` entries, idle buckets are swept, and the number of buckets per
// rule is capped (least recently used dropped first).

import type { LogEvent } from '../core/events.ts';
import { detach } from '../core/detach.ts';
import { truncate } from '../core/escape.ts';
import type { Finding } from '../core/finding.ts';
import type { LoginHistory } from './ports.ts';
import { EventContext, type FieldValue, type Slot } from './fields.ts';
import { gateFingerprint, groupsByKind, verdictStride } from './gate-verdicts.ts';
import {
  gatePasses,
  groupMask,
  presetGroup,
  type CompiledFirstSeen,
  type CompiledRule,
  type CompiledRules,
  type CompiledSignature,
  type CompiledThreshold,
  type Hit,
} from './compile.ts';
import { MemoryLoginHistory } from './history.ts';

export interface DetectorOptions {
  /** Login history for first-seen rules; an in-memory one when absent. */
  history?: LoginHistory;
  /** Most groups (IPs, users) a threshold rule tracks at once. */
  maxBuckets?: number;
  /**
   * Which rules run: all (the default); only the signatures, which keep no state (the detection
   * thread runs them); or only the rules that keep state (counting windows, first-seen logins),
   * for the thread that stores the events in order.
   */
  rules?: 'all' | 'signatures' | 'stateful';
}

export interface Detector {
  /**
   * The event's findings; most events have none, and share one frozen empty list. With
   * `verdicts` (a batch's gate verdicts worked out on another thread, gate-verdicts.ts) the
   * event's gates are read from there at `at` instead of being worked out here.
   */
  process(event: LogEvent, verdicts?: Int32Array, at?: number): readonly Finding[];
  readonly rules: readonly CompiledRule[];
  /**
   * The gate verdicts of the event last processed, at out[at * stride …] (gate-verdicts.ts):
   * what another detector of the same rule set reads instead of working them out.
   */
  writeVerdicts(out: Int32Array, at: number): void;
  /** The layout of the rule set's gates, which verdicts worked out elsewhere must share (gate-verdicts.ts). */
  gateFingerprint(): string;
  /** Groups currently tracked by threshold rules (for tests and status). */
  bucketCount(): number;
}

interface Bucket {
  /** Times of the most recent matching events (at most `count`). */
  times: number[];
  /** Distinct value -> last time (at most `count`), for count-distinct rules. */
  distinct: Map<string, number> | null;
  last: number;
  quietUntil: number;
  firstEvidence: string;
}

const MAX_MATCH = 200;

/** What `process` returns for an event without findings (most of them): no list made per event. */
const NONE: readonly Finding[] = Object.freeze([]);

export function evidenceOf(e: LogEvent): string {
  if (e.kind === 'http') {
    const target = e.query === '' ? e.path : `${e.path}?${e.query}`;
    return truncate(`${e.ip} "${e.method} ${target} ${e.protocol}" ${e.status} "${e.userAgent ?? '-'}"`, 500);
  }
  return truncate(e.message, 300);
}

const valueText = (v: FieldValue): string => (v === null || v === '' ? '-' : String(v));

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (m, k: string) => vars[k] ?? m);
}

class ThresholdState {
  readonly buckets = new Map<string, Bucket>();
  readonly rule: CompiledThreshold;
  readonly maxBuckets: number;
  constructor(rule: CompiledThreshold, maxBuckets: number) {
    this.rule = rule;
    this.maxBuckets = maxBuckets;
  }

  /**
   * Adds one matching event; returns the count that crossed the threshold and the evidence of
   * the first event counted, or null. The evidence text is made only for an event that starts
   * a count (most matching events only add to one).
   */
  add(key: string, time: number, distinctValue: string | null, e: LogEvent): { count: number; first: string } | null {
    const { count } = this.rule.spec;
    const windowMs = this.rule.windowMs;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = {
        times: [],
        distinct: this.rule.distinct === null ? null : new Map(),
        last: time,
        quietUntil: 0,
        // set below when the count starts (n === 1), before anything reads it
        firstEvidence: '',
      };
      if (this.buckets.size >= this.maxBuckets) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    } else this.buckets.delete(key); // re-inserted below: Map order is least recently used first
    this.buckets.set(key, b);
    b.last = Math.max(b.last, time);
    const cutoff = time - windowMs;
    let n: number;
    if (b.distinct !== null) {
      if (distinctValue === null) return null;
      b.distinct.delete(distinctValue);
      // kept for the window: its own copy, not a slice pinning the event's line
      b.distinct.set(detach(distinctValue), time);
      for (const [v, t] of b.distinct) {
        if (t >= cutoff && b.distinct.size <= count) break;
        b.distinct.delete(v);
      }
      n = b.distinct.size;
    } else {
      b.times.push(time);
      if (b.times.length > count) b.times.shift();
      while (b.times.length > 0 && (b.times[0] ?? 0) < cutoff) b.times.shift();
      n = b.times.length;
    }
    if (n === 1) b.firstEvidence = detach(evidenceOf(e));
    if (n >= count && time >= b.quietUntil) {
      const first = b.firstEvidence;
      b.times = [];
      b.distinct?.clear();
      b.quietUntil = time + windowMs;
      return { count: n, first };
    }
    return null;
  }

  /** Drops buckets idle for longer than the window (the least recently used are first in the Map). */
  sweep(now: number): void {
    const cutoff = now - this.rule.windowMs;
    for (const [k, b] of this.buckets) {
      if (b.last >= cutoff || b.quietUntil > now) break;
      this.buckets.delete(k);
    }
  }
}

export function createDetector(compiled: CompiledRules, opts: DetectorOptions = {}): Detector {
  const history = opts.history ?? new MemoryLoginHistory();
  const maxBuckets = opts.maxBuckets ?? 100_000;
  const ctx = new EventContext(compiled);
  const sig = { http: [] as CompiledSignature[], auth: [] as CompiledSignature[] };
  const thr = { http: [] as ThresholdState[], auth: [] as ThresholdState[] };
  const firstSeen: CompiledFirstSeen[] = [];
  const which = opts.rules ?? 'all';
  for (const r of compiled.rules) {
    if (r.kind === 'signature') {
      if (which !== 'stateful') sig[r.on].push(r);
    } else if (which === 'signatures') continue;
    else if (r.kind === 'threshold') thr[r.on].push(new ThresholdState(r, maxBuckets));
    else firstSeen.push(r);
  }

  // The rules a benign event (no gate passed) must still walk: those not skipped by a gate mask.
  const ungated = (r: CompiledRule): boolean => r.requireMask === 0;
  const sigUngated = { http: sig.http.filter(ungated), auth: sig.auth.filter(ungated) };
  const thrUngated = { http: thr.http.filter((t) => ungated(t.rule)), auth: thr.auth.filter((t) => ungated(t.rule)) };

  let latest = 0;
  let seen = 0;
  const groupsOf = groupsByKind(compiled);
  const stride = verdictStride(compiled);

  const anyGate = (gates: readonly number[]): boolean => {
    for (const g of gates) if (gatePasses(ctx, g)) return true;
    return false;
  };

  const keyOf = (id: string, slots: readonly Slot[]): string => {
    let k = id;
    for (const s of slots) k += `|${valueText(ctx.value(s))}`;
    return k;
  };

  function finding(
    rule: CompiledRule,
    e: LogEvent,
    hit: Hit,
    groupKey: string,
    extra: { count?: number; evidence?: string[] } = {},
  ): Finding {
    const service = e.kind === 'http' ? 'web' : e.service;
    const ip = e.ip;
    const user = e.user;
    const match = truncate(hit.match, MAX_MATCH);
    const vars: Record<string, string> = {
      title: rule.spec.title,
      ip: ip ?? 'local',
      user: user ?? '-',
      service,
      field: hit.field,
      match: truncate(hit.match, 80),
      count: String(extra.count ?? 1),
      path: e.kind === 'http' ? truncate(e.path, 120) : '-',
      command: e.kind === 'auth' ? truncate(e.command ?? '-', 120) : '-',
      target_user: e.kind === 'auth' ? (e.targetUser ?? '-') : '-',
    };
    const template =
      rule.spec.message ??
      (rule.kind === 'threshold' ? '{title} from {ip}: {match}' : '{title} from {ip}: {field} {match}');
    return {
      rule: rule.id,
      category: rule.spec.category,
      severity: rule.spec.severity,
      time: e.time,
      ip,
      user,
      service,
      field: hit.field,
      match,
      message: fill(template, vars),
      groupKey,
      evidence: extra.evidence ?? [evidenceOf(e)],
    };
  }

  function processFirstSeen(e: LogEvent & { kind: 'auth' }, out: Finding[]): void {
    if (e.user === null) return;
    for (const r of firstSeen) {
      let hit: Hit | null = r.test === null ? null : r.test(ctx);
      if (r.test !== null && hit === null) continue;
      const scope = r.spec.scope === 'service' ? e.service : null;
      if (history.logins(scope, e.user) < r.spec.minHistory) continue;
      if (r.spec.what === 'ip') {
        if (e.ip === null || history.seen(scope, e.user, e.ip)) continue;
        hit = { field: 'ip', view: 'raw', match: e.ip, text: false };
      } else {
        const hours = history.hours(scope, e.user);
        const h = new Date(e.time).getUTCHours();
        const near = (hours[h] ?? 0) + (hours[(h + 23) % 24] ?? 0) + (hours[(h + 1) % 24] ?? 0);
        if (near > 0) continue;
        hit = { field: 'time', view: 'raw', match: `${String(h).padStart(2, '0')}:00 UTC`, text: false };
      }
      out.push(finding(r, e, hit, `${r.id}|${e.service}|${e.user}|${e.ip ?? '-'}`));
    }
  }

  return {
    rules: compiled.rules,
    gateFingerprint: () => gateFingerprint(compiled),
    writeVerdicts(out, at) {
      const e = ctx.event;
      if (e === null) return;
      const base = at * stride;
      for (const gi of groupsOf[e.kind]) {
        out[base + 2 * gi] = ctx.groupLocal[gi] as number;
        out[base + 2 * gi + 1] = ctx.groupGlobal[gi] as number;
      }
    },
    bucketCount: () => {
      let n = 0;
      for (const list of [thr.http, thr.auth]) for (const t of list) n += t.buckets.size;
      return n;
    },
    process(e, verdicts, at = 0) {
      ctx.reset(e);
      // Event time is the clock: every few thousand events, groups idle for longer than their
      // rule's window are dropped, whichever kind of event moved time on.
      if (e.time > latest) latest = e.time;
      if (++seen % 4096 === 0) for (const list of [thr.http, thr.auth]) for (const t of list) t.sweep(latest);
      let out: Finding[] | null = null;
      // One finding per attack class per event: the first (most specific) rule of a category
      // wins, so one request does not make three messages; `rules explain` shows them all.
      let fired: string[] | null = null;
      // All gates of this event kind at once (one cache lookup per text field, usually):
      // rules whose required gates all failed are skipped without walking their conditions.
      let mask = 0;
      if (verdicts === undefined) for (const gi of groupsOf[e.kind]) mask |= groupMask(ctx, gi);
      else {
        const base = at * stride;
        for (const gi of groupsOf[e.kind])
          mask |= presetGroup(ctx, gi, verdicts[base + 2 * gi] as number, verdicts[base + 2 * gi + 1] as number);
      }
      // With no gate passed, a rule whose mask is known is skipped: only the others are walked.
      for (const r of mask === 0 ? sigUngated[e.kind] : sig[e.kind]) {
        if (r.requireMask !== 0 ? (r.requireMask & mask) === 0 : r.requires !== null && !anyGate(r.requires)) continue;
        if (fired?.includes(r.spec.category)) continue;
        const hit = r.test(ctx);
        if (hit === null) continue;
        const groupKey =
          r.groupBy === null
            ? `${r.id}|${e.kind === 'http' ? 'web' : e.service}|${e.user ?? '-'}|${e.ip ?? '-'}|${e.time}`
            : keyOf(r.id, r.groupBy);
        (out ??= []).push(finding(r, e, hit, groupKey));
        (fired ??= []).push(r.spec.category);
      }
      for (const t of mask === 0 ? thrUngated[e.kind] : thr[e.kind]) {
        const r = t.rule;
        if (r.requireMask !== 0 ? (r.requireMask & mask) === 0 : r.requires !== null && !anyGate(r.requires)) continue;
        const hit = r.test === null ? null : r.test(ctx);
        if (r.test !== null && hit === null) continue;
        const groupKey = keyOf(r.id, r.groupBy);
        const dv = r.distinct === null ? null : ctx.value(r.distinct);
        if (r.distinct !== null && (dv === null || dv === '')) continue;
        const fired = t.add(groupKey, e.time, dv === null ? null : String(dv), e);
        if (fired === null) continue;
        const evidence = evidenceOf(e);
        const what = r.spec.distinct === undefined ? 'events' : `distinct ${r.spec.distinct} values`;
        const summary: Hit = {
          field: r.spec.distinct ?? r.spec.groupBy[0] ?? 'ip',
          view: 'raw',
          match: `${fired.count} ${what} in ${r.spec.window}`,
          text: false,
        };
        (out ??= []).push(
          finding(r, e, summary, groupKey, {
            count: fired.count,
            evidence: fired.first === evidence ? [evidence] : [fired.first, evidence],
          }),
        );
      }
      if (
        which !== 'signatures' &&
        e.kind === 'auth' &&
        e.outcome === 'success' &&
        e.action === 'login' &&
        e.user !== null
      ) {
        if (firstSeen.length > 0) processFirstSeen(e, (out ??= []));
        history.remember({ service: e.service, user: e.user, ip: e.ip, time: e.time });
      }
      return out ?? NONE;
    },
  };
}
