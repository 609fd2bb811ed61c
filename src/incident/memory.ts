// IncidentStore in memory, for unit tests beside the SQL store (the contract suite runs both).

import { AppError } from '../core/errors.ts';
import type { Facts } from '../obligations/index.ts';
import type { CustodyEntry, Evidence, Incident, Note, StepTick } from './model.ts';
import type { IncidentStore, NewIncident } from './ports.ts';

export class MemoryIncidentStore implements IncidentStore {
  #incidents: Incident[] = [];
  #notes = new Map<string, Note[]>();
  #ticks = new Map<string, StepTick[]>();
  #custody = new Map<string, CustodyEntry[]>();

  async init(): Promise<void> {}

  async create(n: NewIncident): Promise<Incident> {
    const i: Incident = { ...n, id: `INC-${this.#incidents.length + 1}`, status: 'open', evidence: null };
    this.#incidents.push(i);
    return structuredClone(i);
  }

  #find(id: string): Incident {
    const i = this.#incidents.find((x) => x.id === id);
    if (i === undefined) throw new AppError('not_found', `no incident ${id}`);
    return i;
  }

  async get(id: string): Promise<Incident | null> {
    const i = this.#incidents.find((x) => x.id === id);
    return i === undefined ? null : structuredClone(i);
  }

  async list(): Promise<Incident[]> {
    return structuredClone([...this.#incidents].reverse());
  }

  async setFacts(id: string, facts: Facts): Promise<void> {
    this.#find(id).facts = structuredClone(facts);
  }

  async setEvidence(id: string, e: Evidence): Promise<void> {
    this.#find(id).evidence = structuredClone(e);
  }

  async close(id: string, c: { at: number; by: string; lessons: string[]; summary: string | null }): Promise<Incident> {
    const i = this.#find(id);
    if (i.status === 'closed') throw new AppError('conflict', `${id} is closed already`);
    const closed: Incident = {
      ...i,
      status: 'closed',
      closedAt: c.at,
      closedBy: c.by,
      lessons: [...c.lessons],
      summary: c.summary,
    };
    this.#incidents[this.#incidents.indexOf(i)] = closed;
    return structuredClone(closed);
  }

  async addNote(id: string, n: Note): Promise<void> {
    this.#find(id);
    this.#notes.set(id, [...(this.#notes.get(id) ?? []), { ...n }]);
  }

  async notes(id: string): Promise<Note[]> {
    return structuredClone(this.#notes.get(id) ?? []);
  }

  async tick(id: string, t: StepTick): Promise<boolean> {
    this.#find(id);
    const list = this.#ticks.get(id) ?? [];
    if (list.some((x) => x.key === t.key)) return false;
    this.#ticks.set(id, [...list, { ...t }]);
    return true;
  }

  async ticks(id: string): Promise<StepTick[]> {
    return structuredClone(this.#ticks.get(id) ?? []);
  }

  async addCustody(id: string, c: CustodyEntry): Promise<void> {
    this.#find(id);
    this.#custody.set(id, [...(this.#custody.get(id) ?? []), { ...c }]);
  }

  async custody(id: string): Promise<CustodyEntry[]> {
    return structuredClone(this.#custody.get(id) ?? []);
  }
}
