// Rule specs -> compiled rules: conditions become closures over the per-event field cache,
// and the text tests of all rules on one (field, view) are merged into one "gate" regex, so a
// benign request costs one regex per field instead of one per rule (the prefilter that keeps
// detection within budget at hundreds of thousands of events per second).

import type {
  FirstSeenRuleSpec,
  LeafSpec,
  ConditionSpec,
  RuleSpec,
  SignatureRuleSpec,
  ThresholdRuleSpec,
  View,
} from './spec.ts';
import { parseDuration } from './spec.ts';
import {
  fieldDefs,
  slotOf,
  slots,
  type EventContext,
  type FieldValue,
  type GateGroupLike,
  type GroupScan,
  type Kind,
  type Slot,
} from './fields.ts';
import { detach } from '../core/detach.ts';
import { escapeRegExp } from '../core/escape.ts';
import { inNetworks, parseNetwork } from './cidr.ts';
import { headerField, headerPrefilters, matchStructure, prefilters, structuralKinds } from './structure.ts';
import { LiteralGate, LiteralScan } from './literals.ts';

/** Verdicts per raw value kept by each structural leaf (emptied when full). */
const STRUCTURE_CACHE = 5_000;

/** What made a condition true: the field, the view it was read through, and the matched text. */
export interface Hit {
  field: string;
  view: View;
  match: string;
  /** True for text tests (regex, contains, startsWith), which make the best excerpts. */
  text: boolean;
}

type Test = (ctx: EventContext) => Hit | null;

interface Base {
  id: string;
  /** File the rule came from. */
  file: string;
  on: Kind;
  test: Test | null;
  /**
   * Gates of which at least one must pass for the rule to match (null: no such shortcut);
   * lets the detector skip a rule without walking its condition.
   */
  requires: number[] | null;
  /** `requires` as a bit mask when every gate in it is below 31; else 0 (use the list). */
  requireMask: number;
}
export interface CompiledSignature extends Base {
  kind: 'signature';
  spec: SignatureRuleSpec;
  test: Test;
  /** null: every finding is its own group (`groupBy: each`). */
  groupBy: Slot[] | null;
}
export interface CompiledThreshold extends Base {
  kind: 'threshold';
  spec: ThresholdRuleSpec;
  groupBy: Slot[];
  distinct: Slot | null;
  windowMs: number;
}
export interface CompiledFirstSeen extends Base {
  kind: 'first-seen';
  spec: FirstSeenRuleSpec;
}
export type CompiledRule = CompiledSignature | CompiledThreshold | CompiledFirstSeen;

interface Gate {
  slot: Slot;
  re: RegExp;
  /** `re.test`, looking first for the strings its alternatives need (literals.ts). */
  test: (v: string) => boolean;
  /** The literal prefilter `test` runs through (null: a case-insensitive gate, run as a regex). */
  literal: LiteralGate | null;
  group: number;
  /** This gate's bit in its group's verdicts (its place in `GateGroup.gates`). */
  bit: number;
}

/**
 * The gates reading one raw field (target, path, user agent, …) and their verdicts per raw
 * value. User agents, referers and paths repeat endlessly in real traffic, so most events are
 * decided by one Map lookup per field, without decoding anything.
 */
type GateGroup = GateGroupLike;

/**
 * Entries per group cache. A full cache becomes the previous one and a new one starts (cheaper
 * than LRU upkeep): values still in use move back on their next lookup, so the popular ones
 * (category pages, assets) are not all worked out again each time the cache fills, as when
 * it was simply emptied (2M bench lines: 432k verdicts worked out, 341k distinct targets).
 */
const GATE_CACHE = 50_000;

/**
 * Longest value a cache keeps (group and structural caches): a long value rarely repeats and is
 * worked out each time, and the caches' memory stays bounded by count and size (50,000 distinct
 * hostile 8 KB targets would otherwise hold 400 MB).
 */
const CACHED_VALUE_MAX = 1024;

export interface CompiledRules {
  rules: CompiledRule[];
  gates: Gate[];
  groups: GateGroup[];
}

const NOT_HIT: Hit = { field: '', view: 'raw', match: '', text: false };

interface GateMember {
  slot: Slot;
  source: string;
  holder: { gate: number };
}

/** The gate holder of each text leaf, to work out which gates a rule requires. */
const leafHolders = new WeakMap<object, { gate: number }>();

/** Collects problems while compiling one rule: "file: rule id: path: message". */
class Problems {
  readonly list: string[] = [];
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
}

function toStr(v: FieldValue): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? v : String(v);
}

function compileLeaf(leaf: LeafSpec, on: Kind, where: string, problems: Problems, members: GateMember[]): Test | null {
  const def = fieldDefs[on][leaf.field];
  if (def === undefined) {
    problems.add(
      where,
      `unknown field "${leaf.field}" for ${on} events (known: ${Object.keys(fieldDefs[on]).join(', ')})`,
    );
    return null;
  }
  const view: View = def.text ? (leaf.view ?? 'decoded') : 'raw';
  const slot = slotOf(on, leaf.field, view) as Slot;
  const field = leaf.field;
  const fold = (s: string): string => (view === 'raw' ? s : s.toLowerCase());
  const ops = (
    ['equals', 'in', 'contains', 'startsWith', 'regex', 'cidr', 'exists', 'sqli', 'traversal', 'cmdi'] as const
  ).filter((k) => leaf[k] !== undefined);
  const range = leaf.gte !== undefined || leaf.lt !== undefined;
  if (ops.length + (range ? 1 : 0) !== 1) {
    problems.add(
      where,
      `a condition needs exactly one operator (equals, in, contains, startsWith, regex, cidr, gte/lt, exists, sqli, traversal, cmdi); found ${ops.length + (range ? 1 : 0)}`,
    );
    return null;
  }
  const hit = (match: string, text: boolean): Hit => ({ field, view, match, text });

  if (range) {
    const lo = leaf.gte ?? -Infinity;
    const hi = leaf.lt ?? Infinity;
    return (ctx) => {
      const v = ctx.value(slot);
      const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
      return n >= lo && n < hi ? hit(String(n), false) : null;
    };
  }
  const op = ops[0];
  if (op === 'sqli' || op === 'traversal' || op === 'cmdi') {
    if (!def.text || (leaf.view !== undefined && leaf.view !== 'decoded')) {
      problems.add(where, `${op} reads a text field and decodes it itself (leave out view)`);
      return null;
    }
    const kind = structuralKinds.find((k) => k === op) ?? 'sqli';
    const rawSlot = slotOf(on, field, 'raw') as Slot;
    const holder = { gate: -1 };
    leafHolders.set(leaf, holder);
    members.push({
      slot,
      source: (headerField(field) ? headerPrefilters[kind] : undefined) ?? prefilters[kind],
      holder,
    });
    const cache = new Map<string, string | null>();
    return (ctx) => {
      if (holder.gate >= 0 && !gatePasses(ctx, holder.gate)) return null;
      const v = toStr(ctx.value(rawSlot));
      if (v === null || v === '') return null;
      let m = cache.get(v);
      if (m === undefined) {
        m = matchStructure(kind, field, v);
        if (v.length <= CACHED_VALUE_MAX) {
          if (cache.size >= STRUCTURE_CACHE) cache.clear();
          cache.set(detach(v), m === null ? null : detach(m));
        }
      }
      return m === null ? null : hit(m, true);
    };
  }
  switch (op) {
    case 'exists': {
      const want = leaf.exists === true;
      return (ctx) => {
        const v = ctx.value(slot);
        const present = v !== null && v !== '';
        return present === want ? (present ? hit(String(v), false) : NOT_HIT) : null;
      };
    }
    case 'equals': {
      const want = fold(String(leaf.equals));
      return (ctx) => {
        const v = toStr(ctx.value(slot));
        return v === want ? hit(v, false) : null;
      };
    }
    case 'in': {
      const set = new Set((leaf.in ?? []).map((x) => fold(String(x))));
      return (ctx) => {
        const v = toStr(ctx.value(slot));
        return v !== null && set.has(v) ? hit(v, false) : null;
      };
    }
    case 'cidr': {
      const list = typeof leaf.cidr === 'string' ? [leaf.cidr] : (leaf.cidr ?? []);
      try {
        const nets = list.map(parseNetwork);
        return (ctx) => {
          const v = toStr(ctx.value(slot));
          return v !== null && inNetworks(v, nets) ? hit(v, false) : null;
        };
      } catch (e) {
        problems.add(where, e instanceof Error ? e.message : String(e));
        return null;
      }
    }
    case 'contains':
    case 'startsWith': {
      const raw = leaf[op] ?? [];
      const list = (typeof raw === 'string' ? [raw] : raw).map(fold);
      const holder = { gate: -1 };
      leafHolders.set(leaf, holder);
      members.push({
        slot,
        source: list.map((s) => (op === 'startsWith' ? `^${escapeRegExp(s)}` : escapeRegExp(s))).join('|'),
        holder,
      });
      const starts = op === 'startsWith';
      return (ctx) => {
        if (holder.gate >= 0 && !gatePasses(ctx, holder.gate)) return null;
        const v = toStr(ctx.value(slot));
        if (v === null) return null;
        for (const s of list) if (starts ? v.startsWith(s) : v.includes(s)) return hit(s, true);
        return null;
      };
    }
    case 'regex': {
      const source = leaf.regex ?? '';
      if (view !== 'raw' && /[A-Z]/.test(source.replace(/\\[pPu]\{[^}]*\}|\\./g, ''))) {
        problems.add(
          where,
          `regex has upper-case letters, but the ${view} view is lower-cased (write it in lower case, or use view: raw)`,
        );
        return null;
      }
      // The text tests of all rules on a field are merged into one gate regex, where a group's
      // number is no longer its own: a backreference there would test another rule's group.
      if (/\\(?:[1-9]|k<)/.test(source.replace(/\\\\/g, ''))) {
        problems.add(
          where,
          'regex has a backreference (\\1, \\k<name>), which the merged prefilter cannot keep: write it without one',
        );
        return null;
      }
      let re: RegExp;
      try {
        re = new RegExp(source, view === 'raw' ? 'i' : '');
      } catch (e) {
        problems.add(where, `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
      const holder = { gate: -1 };
      leafHolders.set(leaf, holder);
      members.push({ slot, source, holder });
      return (ctx) => {
        if (holder.gate >= 0 && !gatePasses(ctx, holder.gate)) return null;
        const v = toStr(ctx.value(slot));
        if (v === null) return null;
        const m = re.exec(v);
        return m === null ? null : hit(m[0], true);
      };
    }
    default:
      return null;
  }
}

/**
 * Verdicts of every gate of one group for the current event, as a bit mask over gate
 * indices (bit i = gate i passed; gates past 30 are only in the group's own verdicts, which
 * gatePasses reads). Computed once per event and group; a benign value (verdicts 0) costs
 * one cache lookup and no per-gate work.
 */
export function groupMask(ctx: EventContext, gi: number): number {
  const gen = ctx.generation;
  if (ctx.groupGen[gi] === gen) return ctx.groupGlobal[gi] as number;
  const group = ctx.groups[gi];
  if (group === undefined) return 0;
  const raw = ctx.value(group.rawSlot);
  let local = 0;
  // A missing field has no views: no gate can pass on it (see EventContext.compute).
  if (raw !== null) {
    const key = typeof raw === 'string' ? raw : String(raw);
    let cached = group.cache.get(key);
    if (cached === undefined) {
      cached = group.previous.get(key);
      if (cached !== undefined) remember(group, key, cached);
    }
    if (cached !== undefined) local = cached;
    else {
      const scanned = group.scan === null ? -1 : scanVerdicts(ctx, group.scan);
      if (scanned >= 0) {
        local = scanned;
        for (const bit of (group.scan as GroupScan).others) local |= gateVerdict(ctx, group, bit);
      } else for (let bit = 0; bit < group.gates.length; bit++) local |= gateVerdict(ctx, group, bit);
      remember(group, key, local);
    }
  }
  let global = 0;
  for (let bit = 0, rest = local; rest !== 0; bit++, rest >>>= 1) {
    const g = group.gates[bit] as number;
    if ((rest & 1) === 1 && g < 31) global |= 1 << g;
  }
  ctx.groupGen[gi] = gen;
  ctx.groupLocal[gi] = local;
  ctx.groupGlobal[gi] = global;
  return global;
}

/** Sets a group's verdicts for the current event as worked out elsewhere (gate-verdicts.ts); returns its mask. */
export function presetGroup(ctx: EventContext, gi: number, local: number, global: number): number {
  ctx.groupGen[gi] = ctx.generation;
  ctx.groupLocal[gi] = local;
  ctx.groupGlobal[gi] = global;
  return global;
}

/** One gate's verdict on the current event, as its bit in the group's verdicts. */
function gateVerdict(ctx: EventContext, group: GateGroup, bit: number): number {
  const gg = ctx.gates[group.gates[bit] as number];
  if (gg === undefined) return 0;
  const v = ctx.value(gg.slot);
  return v !== null && gg.test(typeof v === 'string' ? v : String(v)) ? 1 << bit : 0;
}

/**
 * The scanned gates' verdicts (bits of the group), or -1 when a view is not a part of the
 * decoded text (decoding did more than lower-case it: then every gate runs on its own).
 */
function scanVerdicts(ctx: EventContext, scan: GroupScan): number {
  const text = ctx.value(scan.text);
  if (typeof text !== 'string') return -1;
  const views = scan.views;
  for (let k = 0; k < scan.slots.length; k++) {
    const slot = scan.slots[k] as Slot;
    const v = ctx.value(slot);
    if (typeof v !== 'string') return -1;
    // the whole text, or (path and query of a target) its start or end
    if (v !== text && !(slot.field === 'path' ? text.startsWith(v) : slot.field === 'query' && text.endsWith(v)))
      return -1;
    views[k] = v;
  }
  const m = scan.literal.verdicts(text, views);
  let local = 0;
  for (let k = 0; k < scan.bits.length; k++) if (((m >>> k) & 1) === 1) local |= 1 << (scan.bits[k] as number);
  return local;
}

function remember(group: GateGroup, key: string, verdicts: number): void {
  if (key.length > CACHED_VALUE_MAX) return;
  if (group.cache.size >= GATE_CACHE) {
    group.previous = group.cache;
    group.cache = new Map();
  }
  // A copy of the value, not the value: a key kept for thousands of events would keep its
  // whole log line alive in the old generation.
  group.cache.set(detach(key), verdicts);
}

export function gatePasses(ctx: EventContext, g: number): boolean {
  const gate = ctx.gates[g];
  if (gate === undefined) return true;
  groupMask(ctx, gate.group);
  return (((ctx.groupLocal[gate.group] as number) >>> gate.bit) & 1) === 1;
}

function compileCondition(
  c: ConditionSpec,
  on: Kind,
  where: string,
  problems: Problems,
  members: GateMember[],
): Test | null {
  if ('all' in c) {
    const parts = c.all.map((x, i) => compileCondition(x, on, `${where}.all[${i}]`, problems, members));
    if (parts.some((p) => p === null)) return null;
    const ts = parts as Test[];
    return (ctx) => {
      let best: Hit | null = null;
      for (const t of ts) {
        const h = t(ctx);
        if (h === null) return null;
        if (best === null || (!best.text && h.text)) best = h;
      }
      return best;
    };
  }
  if ('any' in c) {
    const parts = c.any.map((x, i) => compileCondition(x, on, `${where}.any[${i}]`, problems, members));
    if (parts.some((p) => p === null)) return null;
    const ts = parts as Test[];
    return (ctx) => {
      for (const t of ts) {
        const h = t(ctx);
        if (h !== null) return h;
      }
      return null;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, on, `${where}.not`, problems, members);
    if (inner === null) return null;
    return (ctx) => (inner(ctx) === null ? NOT_HIT : null);
  }
  return compileLeaf(c, on, where, problems, members);
}

function fieldSlots(names: readonly string[], on: Kind, where: string, problems: Problems): Slot[] {
  const out: Slot[] = [];
  for (const n of names) {
    const s = slotOf(on, n, 'raw');
    if (s === undefined) problems.add(where, `unknown field "${n}" for ${on} events`);
    else out.push(s);
  }
  return out;
}

function compileRule(spec: RuleSpec, file: string, problems: Problems, members: GateMember[]): CompiledRule | null {
  const where = `${file}: rule ${spec.id}`;
  const before = problems.list.length;
  const test =
    spec.when === undefined ? null : compileCondition(spec.when, spec.on, `${where}: when`, problems, members);
  if (problems.list.length > before) return null;
  switch (spec.kind) {
    case 'signature': {
      const groupBy = spec.groupBy === 'each' ? null : fieldSlots(spec.groupBy, spec.on, `${where}: groupBy`, problems);
      if (test === null || problems.list.length > before) return null;
      return { kind: 'signature', id: spec.id, file, on: spec.on, spec, test, groupBy, requires: null, requireMask: 0 };
    }
    case 'threshold': {
      const groupBy = fieldSlots(spec.groupBy, spec.on, `${where}: groupBy`, problems);
      const distinct =
        spec.distinct === undefined
          ? null
          : (fieldSlots([spec.distinct], spec.on, `${where}: distinct`, problems)[0] ?? null);
      if (problems.list.length > before) return null;
      return {
        kind: 'threshold',
        id: spec.id,
        file,
        on: spec.on,
        spec,
        test,
        groupBy,
        distinct,
        windowMs: parseDuration(spec.window),
        requires: null,
        requireMask: 0,
      };
    }
    case 'first-seen':
      return { kind: 'first-seen', id: spec.id, file, on: 'auth', spec, test, requires: null, requireMask: 0 };
  }
}

/** Gates of which one must pass for the condition to hold, or null when none is known. */
function requiredGates(c: ConditionSpec): number[] | null {
  if ('all' in c) {
    for (const part of c.all) {
      const r = requiredGates(part);
      if (r !== null) return r;
    }
    return null;
  }
  if ('any' in c) {
    const out: number[] = [];
    for (const part of c.any) {
      const r = requiredGates(part);
      if (r === null) return null;
      for (const g of r) if (!out.includes(g)) out.push(g);
    }
    return out;
  }
  if ('not' in c) return null;
  const h = leafHolders.get(c);
  return h === undefined || h.gate < 0 ? null : [h.gate];
}

/**
 * The gate's test: through its alternatives' literals when it has no flags (values of the
 * decoded views are lower-cased already); a case-insensitive gate (raw views) runs as it is.
 */
function gateTest(re: RegExp): { test: (v: string) => boolean; literal: LiteralGate | null } {
  if (re.flags !== '') return { test: (v) => re.test(v), literal: null };
  const lg = new LiteralGate(re);
  return { test: (v) => lg.test(v), literal: lg };
}

/** The one-pass scan of a group's literal gates, when it has two or more of them (see GroupScan). */
function groupScan(group: GateGroup, gates: readonly Gate[]): GroupScan | null {
  const scanned: { gate: Gate; bit: number }[] = [];
  const others: number[] = [];
  group.gates.forEach((g, bit) => {
    const gate = gates[g] as Gate;
    if (gate.literal !== null && gate.slot.view !== 'raw') scanned.push({ gate, bit });
    else others.push(bit);
  });
  const text = slotOf(group.rawSlot.kind, group.rawSlot.field, 'decoded');
  if (scanned.length < 2 || text === undefined) return null;
  return {
    literal: new LiteralScan(scanned.map((x) => x.gate.literal as LiteralGate)),
    text,
    slots: scanned.map((x) => x.gate.slot),
    bits: scanned.map((x) => x.bit),
    others,
    views: scanned.map(() => ''),
  };
}

/** A gate is only safe when the members' sources can share one regex (no back-references or named groups). */
const unionUnsafe = /\\[1-9]|\(\?<[a-zA-Z]|\\k</;

/** Compiles rules (already validated by the schema); throws nothing, returns the problems. */
export function compileRules(specs: readonly { spec: RuleSpec; file: string }[]): {
  compiled: CompiledRules;
  problems: string[];
} {
  const problems = new Problems();
  const members: GateMember[] = [];
  const rules: CompiledRule[] = [];
  for (const { spec, file } of specs) {
    const r = compileRule(spec, file, problems, members);
    if (r !== null) rules.push(r);
  }
  const bySlot = new Map<number, GateMember[]>();
  for (const m of members) {
    const list = bySlot.get(m.slot.id) ?? [];
    list.push(m);
    bySlot.set(m.slot.id, list);
  }
  const gates: Gate[] = [];
  const groups: GateGroup[] = [];
  const groupOf = new Map<number, number>();
  for (const list of bySlot.values()) {
    if (list.some((m) => unionUnsafe.test(m.source))) continue;
    const first = list[0];
    if (first === undefined) continue;
    try {
      const re = new RegExp(list.map((m) => `(?:${m.source})`).join('|'), first.slot.view === 'raw' ? 'i' : '');
      const index = gates.length;
      // Path and query are functions of the target, so their gates share the target's cache:
      // one lookup per request instead of three.
      const keySlot =
        first.slot.kind === 'http' && (first.slot.field === 'path' || first.slot.field === 'query')
          ? (slotOf('http', 'target', 'raw') as Slot)
          : (slots[first.slot.rawId] as Slot);
      let group = groupOf.get(keySlot.id);
      // A mask is a 31-bit number: further gates on one field go in a group of their own.
      if (group === undefined || (groups[group]?.gates.length ?? 0) >= 31) {
        group = groups.length;
        groups.push({ rawSlot: keySlot, gates: [], cache: new Map(), previous: new Map(), scan: null });
        groupOf.set(keySlot.id, group);
      }
      const members = groups[group]?.gates ?? [];
      gates.push({ slot: first.slot, re, ...gateTest(re), group, bit: members.length });
      members.push(index);
      for (const m of list) m.holder.gate = index;
    } catch {
      // Sources that only compile alone keep working without a gate.
    }
  }
  for (const g of groups) g.scan = groupScan(g, gates);
  for (const r of rules) {
    r.requires = r.spec.when === undefined ? null : requiredGates(r.spec.when);
    r.requireMask = r.requires?.every((g) => g < 31) ? r.requires.reduce((m, g) => m | (1 << g), 0) : 0;
  }
  return { compiled: { rules, gates, groups }, problems: problems.list };
}
