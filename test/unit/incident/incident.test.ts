// The incident subsystem without I/O: checklist keys survive steps added before them and ticks
// apply; notification duties become steps with their deadlines; the timeline merges in time
// order and turns a failing source into a gap; sealing and verification (over an in-memory
// EvidenceFiles) name a changed, missing or unlisted file and a replaced manifest; the report
// keeps attacker text as text (property).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildTimeline,
  causesFrom,
  checklistFor,
  provisionalFacts,
  EXPORT_MANIFEST,
  FROZEN_MANIFEST,
  recordEntries,
  reportHtml,
  reportMarkdown,
  seal,
  sha256,
  verifyExport,
  verifySealed,
  type EvidenceFiles,
  type Incident,
  type PlanGoal,
} from '../../../src/incident/index.ts';
import { defaultDataDir, loadRules, type Obligation } from '../../../src/obligations/index.ts';
import { parseAnswers } from '../../../src/plan/index.ts';

const T = Date.UTC(2026, 10, 25, 12);

const goals: PlanGoal[] = [
  { id: 'find', title: 'Find', steps: [{ text: 'Who logged in', command: 'ripcord logs who' }] },
  { id: 'fix', title: 'Fix', steps: [{ text: 'Patch' }] },
  { id: 'minimise', title: 'Minimise', steps: [{ text: 'Tell people' }] },
  { id: 'repair', title: 'Repair', steps: [{ text: 'Restore', command: 'ripcord backup restore latest' }] },
];

const obligation = (over: Partial<Obligation>): Obligation => ({
  jurisdiction: 'US-CA',
  duty: 'notify_individuals',
  recipient: 'affected residents of California',
  dueBy: '2026-12-25T06:30:00-08:00',
  dueText: 'in the most expedient time possible',
  deadlineDays: 30,
  clockStarts: 'discovery',
  citation: 'Cal. Civ. Code § 1798.82',
  because: [],
  notes: [],
  conditional: false,
  verified: true,
  method: null,
  ...over,
});

test('the checklist: goals in order, duties as dated steps, keys stable when steps are added before', () => {
  const quiet = checklistFor(goals, { changedFiles: 0, maliciousFiles: 0, obligations: [] }, []);
  assert.deepEqual(
    quiet.map((s) => s.n),
    [1, 2, 3, 4],
  );
  const restore = quiet.find((s) => s.text === 'Restore');
  assert.ok(restore);
  const busy = checklistFor(
    goals,
    {
      changedFiles: 3,
      maliciousFiles: 2,
      obligations: [
        obligation({}),
        obligation({ jurisdiction: 'GB', duty: 'notify_regulator', recipient: 'ICO', citation: 'UK GDPR Art. 33' }),
      ],
    },
    [{ key: restore.key, time: T, by: 'ada' }],
  );
  const restored = busy.find((s) => s.text === 'Restore');
  assert.equal(restored?.key, restore.key, 'a step keeps its key when others are added before it');
  assert.notEqual(restored?.n, restore.n);
  assert.deepEqual(restored?.done, { time: T, by: 'ada' });
  const dated = busy.filter((s) => s.due !== null);
  assert.equal(dated.length, 2);
  assert.ok(dated.every((s) => s.goal === 'minimise'));
  assert.match(dated[1]?.text ?? '', /Notify the regulator \(ICO\) — GB/);
  const revert = busy.find((s) => s.command === 'ripcord integrity revert --all');
  assert.match(revert?.text ?? '', /3 site file\(s\).*2 with malicious code/);
  assert.deepEqual([...new Set(busy.map((s) => s.goal))], ['find', 'fix', 'minimise', 'repair']);
});

const incident: Incident = {
  id: 'INC-1',
  title: 'Skimmer',
  severity: 'high',
  status: 'open',
  discoveredAt: T,
  declaredAt: T + 60_000,
  declaredBy: 'ada',
  facts: null,
  evidence: null,
};

test('the timeline merges every source in time order and names a failing one', async () => {
  const own = recordEntries(incident, [{ time: T + 120_000, by: 'ada', text: 'called the host' }], [], [], (k) => k);
  const t = await buildTimeline(
    [
      {
        name: 'findings',
        entries: async () => [{ time: T - 5000, kind: 'finding', source: 'nginx', summary: 'sqli' }],
      },
      { name: 'alerts', entries: async () => Promise.reject(new Error('store locked')) },
      {
        name: 'logins',
        entries: async () => [{ time: T + 90_000, kind: 'login', source: 'auth', summary: 'ssh root' }],
      },
    ],
    own,
    T - 86_400_000,
    T + 86_400_000,
  );
  assert.deepEqual(
    t.entries.map((e) => e.kind),
    ['finding', 'incident', 'incident', 'login', 'note'],
  );
  assert.deepEqual(t.gaps, [{ source: 'alerts', error: 'store locked' }]);
});

/** EvidenceFiles over a Map, for sealing and verification without a disk. */
function memoryFiles(): EvidenceFiles & { files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  const under = (dir: string) => [...files.keys()].filter((k) => k.startsWith(`${dir}/`));
  return {
    files,
    write: async (p, d) => void files.set(p, Buffer.from(d)),
    writeLines: async (p, lines) => {
      const all: string[] = [];
      for await (const l of lines) all.push(l);
      files.set(p, Buffer.from(`${all.join('\n')}\n`));
      return all.length;
    },
    read: async (p) => {
      const b = files.get(p);
      if (b === undefined) throw new Error(`no ${p}`);
      return b;
    },
    exists: async (p) => files.has(p),
    hashTree: async (dir) =>
      under(dir)
        .sort()
        .map((k) => ({
          name: k.slice(dir.length + 1),
          bytes: files.get(k)?.length ?? 0,
          sha256: sha256(files.get(k) ?? ''),
        })),
    copyTree: async (from, to) => {
      for (const k of under(from)) files.set(`${to}${k.slice(from.length)}`, Buffer.from(files.get(k) ?? ''));
    },
    pack: async () => {},
    unpack: async () => '',
    tempDir: async () => ({ path: '/tmp/x', remove: async () => {} }),
  };
}

test('sealed evidence verifies, and names a changed, missing or unlisted file and a replaced manifest', async () => {
  const io = memoryFiles();
  io.files.set('/e/evidence/requests.jsonl', Buffer.from('{"a":1}\n'));
  io.files.set('/e/evidence/files/0/shell.php', Buffer.from('<?php eval($_POST[1]);'));
  const frozen = await seal(io, '/e/evidence', FROZEN_MANIFEST, { incident: 'INC-1', created: T });
  assert.equal(frozen.files.length, 2);
  assert.equal((await verifySealed(io, '/e/evidence', FROZEN_MANIFEST, frozen.manifestSha256)).ok, true);
  io.files.set('/e/timeline.json', Buffer.from('[]'));
  await seal(io, '/e', EXPORT_MANIFEST, { incident: 'INC-1', created: T, frozenManifestSha256: frozen.manifestSha256 });
  assert.deepEqual((await verifyExport(io, '/e', frozen.manifestSha256)).problems, []);

  io.files.set('/e/evidence/requests.jsonl', Buffer.from('{"a":2}\n'));
  io.files.set('/e/evidence/extra.txt', Buffer.from('x'));
  io.files.delete('/e/timeline.json');
  const v = await verifyExport(io, '/e', frozen.manifestSha256);
  assert.equal(v.ok, false);
  assert.ok(v.problems.includes('evidence/requests.jsonl: changed (SHA-256 differs)'), v.problems.join('; '));
  assert.ok(v.problems.includes('timeline.json: missing'));
  assert.ok(v.problems.includes('evidence/extra.txt: not in the manifest'));

  // A forger who re-seals the frozen folder still differs from the hash the record keeps.
  const io2 = memoryFiles();
  io2.files.set('/f/a.txt', Buffer.from('a'));
  const s = await seal(io2, '/f', FROZEN_MANIFEST, { incident: 'INC-1', created: T });
  io2.files.set('/f/a.txt', Buffer.from('b'));
  await seal(io2, '/f', FROZEN_MANIFEST, { incident: 'INC-1', created: T });
  const forged = await verifySealed(io2, '/f', FROZEN_MANIFEST, s.manifestSha256);
  assert.equal(forged.ok, false);
  assert.match(forged.problems[0] ?? '', /differs from the one sealed/);
});

test('the report keeps attacker text as text in Markdown and HTML (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (summary, note) => {
      const md = reportMarkdown({
        incident: { ...incident, title: `<img src=x onerror=alert(1)>${note}` },
        timeline: [
          { time: T, kind: 'finding', source: 'nginx', summary: `<script>${summary}</script>`, severity: 'high' },
          { time: T + 1, kind: 'note', source: 'incident', summary: note },
        ],
        steps: [],
        obligations: [],
        provisional: true,
        causes: [`<iframe src=${summary}>`],
        now: T,
      });
      const html = reportHtml(md, `<img src=x onerror=alert(1)>${note}`);
      assert.doesNotMatch(html, /<(script|img|iframe)/i);
    }),
    { numRuns: 200 },
  );
});

test('candidate causes: the worst attacks before the first file change, the request before it, new-place logins', () => {
  const entries = [
    {
      time: T - 9000,
      kind: 'finding' as const,
      source: 'nginx',
      summary: 'sqli: union select',
      severity: 'high',
      ip: '192.0.2.9',
    },
    {
      time: T - 8000,
      kind: 'finding' as const,
      source: 'nginx',
      summary: 'sqli: union select',
      severity: 'high',
      ip: '192.0.2.9',
    },
    {
      time: T - 7000,
      kind: 'finding' as const,
      source: 'nginx',
      summary: 'scan: 404s',
      severity: 'low',
      ip: '192.0.2.9',
    },
    {
      time: T - 6000,
      kind: 'login' as const,
      source: 'auth',
      summary: 'ssh login deploy from 192.0.2.9 (NEW place for this user)',
    },
    {
      time: T - 5000,
      kind: 'file-change' as const,
      source: 'integrity',
      summary: 'added shell.php',
      requests: [{ time: T - 5100, ip: '192.0.2.9', method: 'POST', path: '/upload', status: 200 }],
    },
    {
      time: T - 1000,
      kind: 'finding' as const,
      source: 'nginx',
      summary: 'webshell: cmd',
      severity: 'critical',
      ip: '192.0.2.9',
    },
  ];
  const c = causesFrom(entries, T, ['magento 2.4.6 (CVE-2024-34102)']);
  assert.equal(c.filter((x) => x.includes('sqli')).length, 1, 'one line per rule and address');
  assert.ok(!c.some((x) => x.includes('webshell')), 'findings after the first change are not causes');
  assert.ok(!c.some((x) => x.includes('scan')), 'low severity is not a candidate');
  assert.ok(c.some((x) => x.includes('POST /upload')));
  assert.ok(c.some((x) => x.startsWith(new Date(T - 6000).toISOString()) && x.includes('new place')));
  assert.equal(c.at(-1), 'known-vulnerable: magento 2.4.6 (CVE-2024-34102)');
});

test('provisional facts: one person per place customers live, every element stored', () => {
  const answers = parseAnswers(
    { customers: { countries: ['US', 'DE'], regions: ['US-CA'] }, data: { cards: 'never', dateOfBirth: true } },
    'test',
  );
  const f = provisionalFacts(answers, loadRules(defaultDataDir), T);
  assert.ok(f);
  assert.deepEqual(f.affected, { 'EU-DE': 1, 'US-CA': 1 });
  assert.ok(f.elements.includes('date_of_birth'));
  assert.ok(!f.elements.includes('card_number'));
  assert.equal(f.discovered, new Date(T).toISOString());
  assert.equal(
    provisionalFacts(parseAnswers({ customers: { countries: [] } }, 'test'), loadRules(defaultDataDir), T),
    null,
  );
});
