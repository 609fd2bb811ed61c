// `ripcord obligations`: whom the law says to tell after a breach, by when, and what the notice
// must say. Thin: parses flags, calls app/obligations.ts, prints a table or JSON lines.

import type { Command } from 'commander';
import { DateTime } from 'luxon';
import {
  assessFile,
  contentRequirements,
  dataElementNames,
  listJurisdictions,
  showJurisdiction,
  type Obligation,
} from '../../app/obligations.ts';
import { parseInstant, systemClock, type Clock } from '../../core/clock.ts';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import { createOut, safe, table } from '../output.ts';
import { wrapped } from '../help.ts';

const DAY = 86_400_000;

function clockFrom(now: string | undefined): Clock {
  if (now === undefined) return systemClock;
  const t = parseInstant(now, Date.now());
  if (t === undefined) throw new AppError('usage', `--now: not a date-time: ${now}`);
  return { now: () => t };
}

function daysLeft(o: Obligation, now: number): string {
  if (o.dueBy === null) return '-';
  const ms = Date.parse(o.dueBy) - now;
  if (ms < 0) return `overdue ${Math.ceil(-ms / DAY)}d`;
  return ms < DAY ? `${Math.floor(ms / 3_600_000)}h` : `${Math.floor(ms / DAY)}d`;
}

// The DUE column stays 23 characters wide: a deadline without a fixed date ("as soon as feasible
// after ...") is shown as "no fixed date" and its words go to the notes below the table, so the
// table fits a 120-column terminal.
function due(o: Obligation): string {
  if (o.dueBy === null) return 'no fixed date';
  return DateTime.fromISO(o.dueBy, { setZone: true }).toFormat('yyyy-MM-dd HH:mm ZZ');
}

const RECIPIENT_WIDTH = 48;

/** The recipient with its flags, cut to RECIPIENT_WIDTH; the flags are kept, the name is cut. */
function recipientCell(o: Obligation): string {
  const flags = `${o.conditional ? ' (conditional)' : ''}${o.verified ? '' : ' [unverified]'}`;
  const name = safe(o.recipient);
  const room = RECIPIENT_WIDTH - flags.length;
  return `${name.length > room ? `${name.slice(0, room - 1)}…` : name}${flags}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('obligations')
    .description(
      'Breach-notification duties: whom to tell, by when, and what the notice must say (US states, EU/UK GDPR, Canada, Australia, card networks).',
    )
    .addHelpText(
      'after',
      wrapped(
        '\nThe rules come from data/obligations/ (one YAML file per jurisdiction, each with citations and a last-reviewed date).\n' +
          'They are a checklist to take to counsel, not legal advice: values marked unverified or unknown are flagged in the output.',
      ),
    );

  cmd
    .command('assess')
    .description('Work out the notices a breach requires, from a facts file.')
    .requiredOption(
      '--facts <file>',
      'facts of the breach (YAML): discovered, elements, encrypted, keyCompromised, affected',
    )
    .option('--now <time>', 'assess as of this time (ISO date-time; default: now) for the days-left column')
    .option('--json', 'one JSON object per line: {"type":"obligation",...} then {"type":"no_duty",...}')
    .addHelpText(
      'after',
      wrapped(
        '\nFacts file example:\n' +
          '  discovered: 2026-11-02T09:30:00-05:00   # when you found out, with its zone\n' +
          '  elements: [name, ssn, email, password]   # what was exposed (see `ripcord obligations elements`)\n' +
          '  encrypted: false                         # was the exposed data encrypted?\n' +
          '  keyCompromised: false                    # was the key taken too?\n' +
          '  affected: { US-CA: 1200, US-TX: 300, EU-DE: 40, GB: 15 }\n' +
          '\nCodes: US-XX (states, DC, PR, GU, VI), EU-XX (member states), GB, CA, CA-QC, AU. Card-network duties\n' +
          'are added when card numbers were exposed. Optional keys: determined (date-time), redacted, euMainEstablishment, cardBrands.\n' +
          'Exit status 1 when at least one duty arises.',
      ),
    )
    .action((opts: { facts: string; now?: string; json?: boolean }) => {
      const clock = clockFrom(opts.now);
      const out = createOut(opts.json === true);
      const result = assessFile(opts.facts, { clock });
      const now = clock.now();
      if (out.json) {
        for (const o of result.obligations) out.record({ type: 'obligation', ...o }, () => '');
        for (const n of result.noDuty) out.record({ type: 'no_duty', ...n }, () => '');
      } else {
        out.text(
          `Assessed ${result.assessedAt}: ${result.obligations.length} duties, ${result.noDuty.length} jurisdictions or duties with none.`,
        );
        if (result.obligations.length > 0) {
          const rows = result.obligations.map((o) => [
            due(o),
            daysLeft(o, now),
            o.jurisdiction,
            o.duty,
            recipientCell(o),
          ]);
          out.text(table(rows, ['DUE', 'LEFT', 'WHERE', 'DUTY', 'RECIPIENT']));
          out.text('\nWhy, and what to watch:');
          for (const o of result.obligations) {
            out.text(`  ${o.jurisdiction} ${o.duty}: ${safe(o.because.join('; '))}`);
            out.text(`      - to: ${safe(o.recipient)}; ${safe(o.citation)}`);
            if (o.dueBy === null) out.text(`      - due: ${safe(o.dueText)}`);
            for (const n of o.notes) out.text(`      - ${safe(n)}`);
            if (o.method?.url) out.text(`      - file at ${safe(o.method.url)}`);
          }
        }
        if (result.noDuty.length > 0) {
          out.text('\nNo duty:');
          out.text(
            table(
              result.noDuty.map((n) => [n.jurisdiction, n.duty, n.reason, safe(n.detail)]),
              ['WHERE', 'DUTY', 'REASON', 'DETAIL'],
            ),
          );
        }
      }
      if (result.obligations.length > 0) process.exitCode = EXIT_FOUND;
    });

  cmd
    .command('elements')
    .description('List the data-element vocabulary used in facts files.')
    .option('--json', 'one JSON object per line')
    .action((opts: { json?: boolean }) => {
      const out = createOut(opts.json === true);
      for (const e of dataElementNames()) out.record({ element: e }, (v) => v.element);
    });

  cmd
    .command('list')
    .description('List the jurisdictions in the data set, with their last-reviewed dates.')
    .option('--json', 'one JSON object per line')
    .action((opts: { json?: boolean }) => {
      const out = createOut(opts.json === true);
      const all = listJurisdictions();
      const rows = all.map((j) => ({
        code: j.code,
        name: j.name,
        kind: j.kind,
        lastReviewed: j.lastReviewed,
        statutes: j.statutes.map((s) => s.citation),
      }));
      if (out.json) for (const r of rows) out.record(r, () => '');
      else
        out.text(
          table(
            rows.map((r) => [r.code, r.name, r.lastReviewed, r.statutes.join('; ')]),
            ['CODE', 'NAME', 'REVIEWED', 'STATUTES'],
          ),
        );
    });

  cmd
    .command('show')
    .description('Show the rules of one jurisdiction (e.g. US-CA, EU-DE, GB, PCI).')
    .argument('<code>', 'jurisdiction code')
    .option('--json', 'the whole rule set as one JSON object')
    .action((code: string, opts: { json?: boolean }) => {
      const out = createOut(opts.json === true);
      const j = showJurisdiction(code);
      out.record(j, (v) => describe(v));
    });

  cmd
    .command('requirements')
    .description('Merged content requirements of the notice for these jurisdictions (used by the notice linter).')
    .argument('<codes...>', 'jurisdiction codes, e.g. US-CA US-MA EU-DE')
    .option('--json', 'the merged requirements as one JSON object')
    .action((codes: string[], opts: { json?: boolean }) => {
      const out = createOut(opts.json === true);
      const m = contentRequirements(codes);
      out.record(m, (v) => {
        const lines: string[] = [`Notice content for ${v.jurisdictions.join(', ')}`];
        for (const t of v.titles) lines.push(`Title (${t.jurisdiction}): "${safe(t.title)}"`);
        if (v.minFontPt !== null) lines.push(`Minimum font size: ${v.minFontPt} pt`);
        lines.push('Must contain:');
        for (const e of v.elements) {
          lines.push(`  - ${e.id} [${e.texts.map((t) => t.jurisdiction).join(', ')}]`);
          for (const t of e.texts)
            lines.push(
              `      ${t.jurisdiction}: ${safe(t.text)}${t.heading ? ` (heading "${safe(t.heading)}")` : ''}${t.onlyIf ? ` (only if ${safe(t.onlyIf)})` : ''}`,
            );
        }
        if (v.mustNot.length > 0) {
          lines.push('Must not:');
          for (const n of v.mustNot) lines.push(`  - ${n.jurisdiction}: ${safe(n.text)}`);
        }
        for (const l of v.languages) lines.push(`Languages (${l.jurisdiction}): ${l.languages.join(', ')}`);
        for (const u of v.unknown) lines.push(`Unknown (${u.jurisdiction}): ${safe(u.note)}`);
        return lines.join('\n');
      });
    });
}

function describe(j: ReturnType<typeof showJurisdiction>): string {
  const lines: string[] = [`${j.code} ${j.name} (reviewed ${j.lastReviewed})`];
  for (const s of j.statutes) lines.push(`  ${s.citation}: ${s.title}${s.url ? ` <${s.url}>` : ''}`);
  const sec = (
    title: string,
    s: { status: string; note?: string | undefined; citation?: string; verified?: boolean },
    body: () => string[],
  ) => {
    lines.push(
      '',
      `${title}${s.status === 'known' ? ` (${s.citation ?? ''}${s.verified ? '' : ', unverified'})` : ' UNKNOWN'}`,
    );
    if (s.status === 'known') for (const b of body()) lines.push(`  ${b}`);
    if (s.note) lines.push(`  note: ${s.note}`);
  };
  const pi = j.personalInformation;
  sec('Personal information', pi, () =>
    pi.status === 'known'
      ? pi.anyPersonalData
        ? ['any personal data']
        : pi.triggers.map((t) => `${t.label}${t.condition ? ` (${t.condition})` : ''}`)
      : [],
  );
  const sh = j.safeHarbour;
  sec('Safe harbour', sh, () =>
    sh.status === 'known'
      ? [
          `encryption: ${sh.encryption ? 'yes' : 'no'}${sh.scope === 'individuals' ? ' (individual notice only)' : ''}; key taken voids it: ${sh.keyException}; redaction: ${sh.redaction ? 'yes' : 'no'}`,
        ]
      : [],
  );
  const ha = j.harmAnalysis;
  sec('Risk-of-harm analysis', ha, () =>
    ha.status === 'known'
      ? [
          ha.allowed
            ? `may avoid notice: ${ha.standard ?? ''}; documentation: ${ha.documentation}${ha.retentionYears ? `, keep ${ha.retentionYears} years` : ''}`
            : 'no',
        ]
      : [],
  );
  const ind = j.individuals;
  sec('Individuals', ind, () =>
    ind.status === 'known'
      ? [`${ind.deadline.text} (clock: ${ind.clockStarts})${ind.onlyIf ? `; only ${ind.onlyIf}` : ''}`]
      : [],
  );
  const au = j.authorities;
  sec('Regulators and others', au, () =>
    au.status === 'known'
      ? au.list.length === 0
        ? ['none']
        : au.list.map(
            (a) =>
              `${a.recipient}: ${a.thresholdText}; ${a.deadline.text}; ${a.method.kind}${a.method.url ? ` ${a.method.url}` : ''}`,
          )
      : [],
  );
  const cr = j.cras;
  sec('Consumer reporting agencies', cr, () =>
    cr.status === 'known' ? [cr.required ? `${cr.thresholdText}; ${cr.deadline.text}` : 'no duty'] : [],
  );
  const c = j.content;
  sec('Notice content', c, () =>
    c.status === 'known'
      ? [
          ...(c.title ? [`title: "${c.title}"`] : []),
          ...(c.minFontPt ? [`min font ${c.minFontPt} pt`] : []),
          ...c.elements.map((e) => `- ${e.text}`),
          ...c.mustNot.map((m) => `must not: ${m.text}`),
        ]
      : [],
  );
  const m = j.methods;
  sec('Methods', m, () =>
    m.status === 'known'
      ? [
          `written: ${m.written ? 'yes' : 'no'}; email: ${m.electronic ?? 'no'}; phone: ${m.telephone ?? 'no'}`,
          `substitute: ${m.substitute ? m.substitute.text : 'none'}`,
        ]
      : [],
  );
  if (j.specialCases.length > 0) {
    lines.push('', 'Special cases');
    for (const s of j.specialCases) lines.push(`  ${s.id}: ${s.text} (${s.citation})`);
  }
  for (const ms of j.memberStates)
    lines.push(
      '',
      `${ms.code} ${ms.name}: ${ms.authority} <${ms.url}>${ms.notifyUrl ? ` notify: ${ms.notifyUrl}` : ''}${ms.email ? ` ${ms.email}` : ''}`,
    );
  return lines.map((l) => safe(l)).join('\n');
}
