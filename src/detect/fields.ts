// The fields rules can name, per event kind, and the per-event cache of their normalised
// views: every (field, view) is computed at most once per event however many rules read it.

import type { AuthEvent, HttpEvent, LogEvent } from '../core/events.ts';
import type { LiteralScan } from './literals.ts';
import type { View } from './spec.ts';
import { compactView, decode, sqlView } from './normalise.ts';

export type FieldValue = string | number | boolean | null;
export type Kind = 'http' | 'auth';

interface FieldDef {
  /** Text fields get views (decoding); others are compared as they are. */
  text: boolean;
  /** `+` means a space here (query strings, referers). */
  plus: boolean;
  get(e: LogEvent): FieldValue;
}

const h = (f: (e: HttpEvent) => FieldValue, text = true, plus = false): FieldDef => ({
  text,
  plus,
  get: (e) => f(e as HttpEvent),
});
const a = (f: (e: AuthEvent) => FieldValue, text = true): FieldDef => ({
  text,
  plus: false,
  get: (e) => f(e as AuthEvent),
});

export const fieldDefs: Record<Kind, Record<string, FieldDef>> = {
  http: {
    kind: h(() => 'http', false),
    method: h((e) => e.method),
    path: h((e) => e.path),
    query: h((e) => e.query, true, true),
    /** Path and query together (`/a?b=c`), for attacks that may sit in either. */
    target: h((e) => (e.query === '' ? e.path : `${e.path}?${e.query}`)),
    status: h((e) => e.status, false),
    bytes: h((e) => e.bytes, false),
    user_agent: h((e) => e.userAgent),
    referer: h((e) => e.referer, true, true),
    user: h((e) => e.user),
    ip: h((e) => e.ip, false),
    vhost: h((e) => e.vhost),
    protocol: h((e) => e.protocol),
    duration_ms: h((e) => e.durationMs, false),
  },
  auth: {
    kind: a(() => 'auth', false),
    service: a((e) => e.service, false),
    action: a((e) => e.action, false),
    outcome: a((e) => e.outcome, false),
    user: a((e) => e.user),
    ip: a((e) => e.ip, false),
    port: a((e) => e.port, false),
    method: a((e) => e.method),
    invalid_user: a((e) => e.invalidUser, false),
    target_user: a((e) => e.targetUser),
    command: a((e) => e.command),
    host: a((e) => e.host),
    program: a((e) => e.program),
    message: a((e) => e.message),
  },
};

export const viewList: readonly View[] = ['raw', 'decoded', 'sql', 'compact'];

/** Stable small integer for each (kind, field, view), so the per-event cache is an array. */
export interface Slot {
  id: number;
  kind: Kind;
  field: string;
  view: View;
  def: FieldDef;
  /** The same field's raw and decoded slots (views derive from them). */
  rawId: number;
  decodedId: number;
}

export const slots: Slot[] = [];
const slotIds = new Map<string, number>();
for (const kind of ['http', 'auth'] as const) {
  for (const [field, def] of Object.entries(fieldDefs[kind])) {
    const base = slots.length;
    viewList.forEach((view, i) => {
      slots.push({ id: base + i, kind, field, view, def, rawId: base, decodedId: base + 1 });
      slotIds.set(`${kind}|${field}|${view}`, base + i);
    });
  }
}

const targetFirst = slotIds.get('http|target|raw') ?? -1;
const pathFirst = slotIds.get('http|path|raw') ?? -1;
const queryFirst = slotIds.get('http|query|raw') ?? -1;

export function slotOf(kind: Kind, field: string, view: View): Slot | undefined {
  const id = slotIds.get(`${kind}|${field}|${view}`);
  return id === undefined ? undefined : slots[id];
}

/** A merged prefilter (see compile.ts): its regex, and its verdicts per raw value. */
export interface GateLike {
  slot: Slot;
  re: RegExp;
  /** `re.test`, through the literals of its alternatives (see compile.ts). */
  test: (v: string) => boolean;
  /** Index of the group of gates reading the same raw field. */
  group: number;
  /** The gate's bit in its group's verdicts. */
  bit: number;
}

/** The gates over one raw field, and their verdicts (a bit per gate) per raw value. */
export interface GateGroupLike {
  rawSlot: Slot;
  gates: number[];
  cache: Map<string, number>;
  /** The cache before it last filled up: values found there move back into `cache`. */
  previous: Map<string, number>;
  /** The group's literal gates tested in one pass over the decoded field (compile.ts). */
  scan: GroupScan | null;
}

/**
 * A group's gates over the decoded field and its views, scanned together (LiteralScan) over
 * the field's decoded text. Only when every view read is that text or a part of it (decoding
 * changed nothing but case, as for most product and asset URLs); otherwise gate by gate.
 */
export interface GroupScan {
  literal: LiteralScan;
  /** The decoded whole field (for the target: path and query joined). */
  text: Slot;
  /** Per scanned gate: its view's slot and its bit in the group's verdicts. */
  slots: Slot[];
  bits: number[];
  /** Bits of the group's gates left out of the scan (case-insensitive raw gates). */
  others: number[];
  /** The views of the value being scanned (reused). */
  views: string[];
}

/** The value of a slot for one event; computed lazily and kept until the next event. */

// `\\` and `\"` of a JSON string; not `..\"`, a climb whose backslash came from decoding (`..%5c`)
// at a string's end, where an escaped quote is unlikely
const jsonEscape = /\\\\|(?<!\.\.)\\"/g;
// a JSON object's key (`{"sku":`, `,"qty":`)
const jsonKey = /[{,]\s*"[^"\\]{1,60}"\s*:/;
// `\n`, `\r`, `\t` of a JSON string, after any number of escaped backslashes
const jsonSpace = /(?<!\\)((?:\\\\)*)\\[nrt]/g;
export class EventContext {
  event: LogEvent | null = null;
  private gen = 1;
  private readonly seen: Int32Array = new Int32Array(slots.length);
  private readonly values: FieldValue[] = new Array<FieldValue>(slots.length).fill(null);
  /** Per gate group, for this event (see compile.ts groupMask): when its verdicts were worked out (the generation), the verdicts (a bit per gate of the group) and their mask over gate indices. */
  readonly groupGen: Int32Array;
  readonly groupLocal: Int32Array;
  readonly groupGlobal: Int32Array;
  /** Decoding steps per slot, only when explaining. */
  readonly steps: Map<number, string[]> | null;

  /** The merged prefilter regexes of the compiled rule set (compile.ts). */
  readonly gates: readonly GateLike[];
  readonly groups: readonly GateGroupLike[];

  constructor(compiled: { gates: readonly GateLike[]; groups: readonly GateGroupLike[] }, explain = false) {
    const gates = compiled.gates;
    this.gates = gates;
    this.groups = compiled.groups;
    this.groupGen = new Int32Array(compiled.groups.length);
    this.groupLocal = new Int32Array(compiled.groups.length);
    this.groupGlobal = new Int32Array(compiled.groups.length);
    this.steps = explain ? new Map() : null;
  }

  reset(event: LogEvent): void {
    this.event = event;
    this.gen++;
    this.steps?.clear();
  }

  get generation(): number {
    return this.gen;
  }

  value(slot: Slot): FieldValue {
    if (this.seen[slot.id] === this.gen) return this.values[slot.id] ?? null;
    const v = this.compute(slot);
    this.seen[slot.id] = this.gen;
    this.values[slot.id] = v;
    return v;
  }

  private compute(slot: Slot): FieldValue {
    const e = this.event;
    if (e === null) return null;
    const raw = slot.def.get(e);
    if (slot.view === 'raw' || !slot.def.text || typeof raw !== 'string') return raw;
    const steps: string[] | undefined = this.steps === null ? undefined : [];
    let out: string;
    if (slot.id >= targetFirst && slot.id < targetFirst + viewList.length) {
      // Path and query decode differently (`+` is a space only in the query): join their views.
      const offset = slot.id - targetFirst;
      const p = this.value(slots[pathFirst + offset] as Slot) as string;
      const q = this.value(slots[queryFirst + offset] as Slot) as string;
      out = (e as HttpEvent).query === '' ? p : `${p}?${q}`;
      if (steps) steps.push(...(this.steps?.get(queryFirst + offset) ?? []));
    } else if (slot.view === 'decoded') {
      out = decode(raw, slot.def.plus, steps);
      // (a JSON document whose strings hold no quote but a `\n` or `\t`, `{"sku":"<x\nonclick=…"}`, too)
      if (out.includes('\\"') || (out.includes('\\') && jsonKey.test(out))) {
        // quotes and backslashes escaped for a JSON string (JSON in a parameter): the application reads `"` and `\`
        // (only in the views rules' regexes read; the structural readers split JSON themselves)
        // (JSON in a JSON string: once per level, a few levels)
        // (and its line breaks and tabs, `\n` but not `\\n`, are the whitespace the application reads:
        // `<x\nattr=…` is a tag with an attribute)
        out = out.replace(jsonSpace, '$1 ');
        for (let level = 0; level < 3 && out.includes('\\"'); level++) out = out.replace(jsonEscape, (m) => m.slice(1));
        steps?.push('JSON \\" escapes');
      }
    } else {
      const dec = this.value(slots[slot.decodedId] as Slot) as string;
      if (steps) steps.push(...(this.steps?.get(slot.decodedId) ?? []));
      // (in a path, SQL reads `+` as the space a client meant, as in a query: `/id/1)+or+2=2`; no
      // SQL rule needs a literal `+`, and the tokenizer reads the path itself)
      const sqlText =
        slot.field === 'path' && slot.view === 'sql' && dec.includes('+') ? dec.replaceAll('+', ' ') : dec;
      if (sqlText !== dec) steps?.push('+ in a path read as a space');
      out = slot.view === 'sql' ? sqlView(sqlText, steps) : compactView(dec, steps);
    }
    if (steps && this.steps) this.steps.set(slot.id, steps);
    return out;
  }
}
