// The plan from a shop's particulars, without files or processes: the configuration it makes
// (checked by the real schema), the laws for where customers live, the backup cadence of a busy
// and a quiet shop, the notices chosen, lessons shown, owner-typed text escaped, and the
// findings of `plan check`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { Marked } from 'marked';
import { parse, stringify } from 'yaml';
import { checkConfig } from '../../../src/app/config.ts';
import type { Config } from '../../../src/core/config/index.ts';
import { defaultDataDir, loadRules } from '../../../src/obligations/index.ts';
import {
  answersSchema,
  cadenceFor,
  checkPlan,
  configDocument,
  configYaml,
  escapeMarkdown,
  lawsFor,
  parseAnswers,
  renderPlan,
  type Answers,
  type AnswersInput,
  type Lesson,
  type PatchList,
} from '../../../src/plan/index.ts';

const rules = loadRules(defaultDataDir);
const NOW = Date.parse('2026-12-01T12:00:00Z');
const templatesDir = resolve(import.meta.dirname, '../../../templates/plan');
const templates = {
  markdown: readFileSync(join(templatesDir, 'plan.md.liquid'), 'utf8'),
  html: readFileSync(join(templatesDir, 'plan.html.liquid'), 'utf8'),
};
const notices = ['california', 'credentials', 'gdpr-art34', 'general', 'payment-card'].map((name) => ({
  name,
  title: `${name} title`,
  description: `${name} description`,
}));

function answers(over: AnswersInput = {}): Answers {
  return parseAnswers({ files: { root: '/srv/shop', accessLog: '/var/log/nginx/access.log' }, ...over }, 'test');
}

function configOf(a: Answers): Config {
  const c = checkConfig(configDocument(a));
  assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.problems));
  return c.config;
}

async function plan(
  a: Answers,
  o: { lessons?: Lesson[]; drills?: { time: string; ok: boolean }[]; patchFirst?: PatchList } = {},
) {
  return renderPlan(
    {
      answers: a,
      config: configOf(a),
      configFile: 'ripcord.yml',
      answersFile: 'plan.answers.yml',
      rules,
      notices,
      drills: o.drills ?? [],
      lessons: o.lessons ?? [],
      patchFirst: o.patchFirst ?? { checked: false, items: [] },
      now: NOW,
    },
    templates,
  );
}

test('every platform, hosting and database makes a configuration the real schema accepts', () => {
  for (const platform of ['magento2', 'magento1', 'woocommerce', 'prestashop', 'opencart', 'custom'] as const)
    for (const type of ['mysql', 'postgres', 'sqlite', 'none'] as const) {
      const a = answers({
        platform,
        database: { type, path: '/var/lib/shop.db' },
        files: { authLog: '/var/log/auth.log' },
        offsite: { location: 'sftp://u1@box.example:23/ripcord', hostKey: `SHA256:${'A'.repeat(43)}` },
      });
      const c = configOf(a);
      assert.equal(c.site.platform, platform);
      assert.equal(c.backup.jobs.length, type === 'none' ? 1 : 2);
      assert.ok(c.backup.jobs.every((j) => j.offsite === 'offsite'));
      // the YAML text reads back to the same document
      const text = configYaml(configDocument(a), 'header');
      assert.deepEqual(parse(text), configDocument(a));
      assert.match(text, /^# header/);
    }
});

test('California and German customers: the California breach law, CCPA and the GDPR', () => {
  const laws = lawsFor(
    answers({ customers: { countries: ['United States', 'Germany'], regions: ['California'] } }),
    rules,
    NOW,
  );
  const codes = laws.jurisdictions.map((j) => j.code);
  assert.deepEqual(
    codes.filter((c) => c !== 'PCI'),
    ['EU', 'US-CA'],
  );
  const ca = laws.jurisdictions.find((j) => j.code === 'US-CA');
  assert.match(ca?.statutes.join() ?? '', /Cal\. Civ\. Code § 1798\.82/);
  assert.match(ca?.related.join() ?? '', /CCPA/);
  assert.match(laws.jurisdictions.find((j) => j.code === 'EU')?.name ?? '', /GDPR/);
  const db = laws.scenarios.find((s) => s.scenario.id === 'database');
  assert.ok(db?.duties.some((d) => d.jurisdiction === 'EU-DE' && /72 hours/.test(d.deadline)));
  assert.ok(db?.duties.some((d) => d.jurisdiction === 'US-CA' && d.deadlineDays === 30));
  // the California Attorney General comes in above 500 residents
  assert.ok(db?.aboveThreshold.some((t) => /US-CA: California Attorney General: when more than 500/.test(t)));
  // a skimmer brings the card networks in
  assert.ok(laws.scenarios.find((s) => s.scenario.id === 'skimmer')?.duties.some((d) => d.jurisdiction === 'PCI'));
});

test('places: US without states means every state; provinces, Australian states, places without rules', () => {
  const all = lawsFor(answers({ customers: { countries: ['US'] } }), rules, NOW);
  assert.equal(all.allUsStates, true);
  assert.ok(all.jurisdictions.filter((j) => j.code.startsWith('US-')).length >= 50);
  const some = lawsFor(
    answers({ customers: { countries: ['CA', 'AU', 'CH'], regions: ['CA-QC', 'CA-ON', 'AU-NSW'] } }),
    rules,
    NOW,
  );
  assert.deepEqual(
    some.jurisdictions.map((j) => j.code).filter((c) => c !== 'PCI'),
    ['AU', 'CA', 'CA-QC'],
  );
  assert.deepEqual(some.unknown, ['CH']);
});

test('a busy shop backs its database up hourly, a quiet one daily, a dormant one weekly', async () => {
  assert.equal(cadenceFor({ ordersPerDay: 400, deploysPerWeek: 5 }).database.schedule, '15 * * * *');
  assert.equal(cadenceFor({ ordersPerDay: 20, deploysPerWeek: 1 }).database.schedule, '15 */6 * * *');
  assert.equal(cadenceFor({ ordersPerDay: 2, deploysPerWeek: 0 }).database.schedule, '30 2 * * *');
  assert.equal(cadenceFor({ ordersPerDay: 0.2, deploysPerWeek: 0 }).database.schedule, '30 2 * * 0');
  assert.equal(cadenceFor({ ordersPerDay: 2, deploysPerWeek: 0 }).files.schedule, '45 3 * * 0');

  const busy = await plan(answers({ activity: { ordersPerDay: 400, deploysPerWeek: 5 } }));
  const quiet = await plan(answers({ activity: { ordersPerDay: 2, deploysPerWeek: 0 } }));
  const row = (md: string, job: string) => md.split('\n').find((l) => l.startsWith(`| ${job} |`)) ?? '';
  assert.match(row(busy.markdown, 'shopdb'), /At 15 minutes past the hour .* 48 hourly, 14 daily/);
  assert.match(row(quiet.markdown, 'shopdb'), /At 02:30 .* 14 daily, 8 weekly, 12 monthly/);
  assert.match(row(busy.markdown, 'site'), /At 03:45 \(/);
  assert.match(row(quiet.markdown, 'site'), /At 03:45, only on Sunday/);
  assert.match(busy.markdown, /a restore loses at most about 17 orders/);
  assert.equal(busy.model.backups.tier, 'busy');
  assert.equal(quiet.model.backups.tier, 'quiet');
});

test('the plan: contacts, the four goals in order, notices chosen, yearly tests, lessons, printable HTML', async () => {
  const a = answers({
    shop: { name: 'Harbor & Pine' },
    customers: { countries: ['US', 'GB', 'AU'], regions: ['US-NY'] },
    contacts: { owner: { name: 'Dana', reach: '+1 555 0100' } },
    data: { accounts: false, cards: 'never' },
  });
  const lessons: Lesson[] = [
    { incident: 'INC-1', title: 'Skimmer in payment.js', closedAt: '2026-11-30', lessons: ['Move the admin URL'] },
  ];
  const p = await plan(a, { lessons });
  const heads = [...p.markdown.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(heads, [
    'Contacts',
    '1. Find the cause',
    '2. Fix the cause',
    '3. Minimise the fallout',
    '4. Repair the damage',
    'What Ripcord watches',
    'Testing this plan',
    'Lessons learned',
  ]);
  assert.match(p.markdown, /\| owner \| Dana \| \+1 555 0100 \|/);
  assert.match(p.markdown, /\| lawyer \| \*\*missing\*\* \|/);
  assert.deepEqual(
    p.model.notices.map((n) => n.name),
    ['california', 'gdpr-art34', 'general', 'payment-card'],
    'no accounts: no password notice',
  );
  assert.match(p.markdown, /Skimmer in payment\.js.*INC-1/);
  assert.match(p.markdown, /Move the admin URL/);
  assert.ok(p.model.tests.some((t) => t.command === 'ripcord backup drill' && t.month === '2027-01'));
  assert.ok(p.model.tests.some((t) => /PCI DSS 12\.10\.2/.test(t.why) && t.month === '2027-12'));
  assert.match(p.html, /<title>Emergency plan: Harbor &amp; Pine<\/title>/);
  assert.match(p.html, /@media print/);
  assert.match(p.html, /<table>/);
});

test('text the owner typed is shown, never read as markup, in PLAN.md and PLAN.html', async () => {
  const evil = '<img src=x onerror=alert(1)> [click](javascript:alert(1)) | *bold*';
  const p = await plan(
    answers({ shop: { name: evil }, contacts: { owner: { name: evil, reach: '<script>x</script>' } } }),
  );
  assert.doesNotMatch(p.html, /<img|<script|href="javascript/);
  assert.match(p.html, /&lt;img src=x/);
  // the contacts table still has its four columns
  const ownerRow = p.markdown.split('\n').find((l) => l.startsWith('| owner |')) ?? '';
  assert.equal(ownerRow.split(/(?<!\\)\|/).length - 2, 4);
});

test('escapeMarkdown: any text comes out of marked as the same text, with no tag of its own', () => {
  const marked = new Marked({ gfm: true });
  const unescapeHtml = (h: string) =>
    h
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'ab <>&*_[]()`|~\\!#-+.:/"\'x1'.split('')), maxLength: 40 }),
      (s) => {
        const html = marked.parseInline(`x${escapeMarkdown(s)}x`) as string;
        assert.doesNotMatch(html, /<(?!\/?a\b)[a-z]/i);
        assert.equal(unescapeHtml(html.replace(/<\/?a[^>]*>/g, '')), `x${s}x`);
      },
    ),
  );
});

test('the shipped sample answers make a configuration the schema accepts', () => {
  const a = parseAnswers(parse(readFileSync(join(templatesDir, 'answers.sample.yml'), 'utf8')), 'sample');
  assert.equal(a.shop.name, 'Harbor & Pine');
  assert.equal(configOf(a).backup.jobs.length, 2);
});

test('answers: defaults fill a partial file; a full file reads back the same', () => {
  const a = parseAnswers({}, 'empty');
  assert.equal(a.platform, 'woocommerce');
  assert.equal(a.files.root, '/var/www/wordpress');
  assert.equal(a.database.name, 'wordpress');
  const full = answers({ platform: 'prestashop', customers: { countries: ['FR'], regions: [] } });
  assert.deepEqual(parseAnswers(parse(stringify(full)), 'again'), full);
  assert.deepEqual(answersSchema.parse({}).contacts.owner, { name: '', reach: '' });
});

test('plan check: what is lacking, and nothing when everything is there', () => {
  const a = answers({ alerts: { email: '' } });
  const lacks = checkPlan({ config: configOf(a), answers: a, drills: [], now: NOW }).map((l) => l.id);
  for (const id of [
    'no-offsite-backup',
    'no-alert-channel',
    'contact-missing:owner',
    'contact-missing:insurer',
    'no-recent-drill',
  ])
    assert.ok(lacks.includes(id), id);

  const contacts = Object.fromEntries(
    ['owner', 'developer', 'host', 'paymentProcessor', 'acquirer', 'lawyer', 'insurer'].map((k) => [
      k,
      { name: k, reach: '555' },
    ]),
  );
  const full = answers({ contacts, alerts: { email: 'o@shop.example' }, offsite: { location: '/mnt/usb/ripcord' } });
  const config = configOf(full);
  const drills = [{ time: '2026-03-01T00:00:00Z', ok: true }];
  assert.deepEqual(checkPlan({ config, answers: full, drills, now: NOW }), []);
  // a drill older than a year, or only failed ones, is no drill
  const old = checkPlan({ config, answers: full, drills: [{ time: '2025-11-01T00:00:00Z', ok: true }], now: NOW });
  assert.match(old.find((l) => l.id === 'no-recent-drill')?.what ?? '', /2025-11-01, more than 12 months ago/);
  const failed = checkPlan({ config, answers: full, drills: [{ time: '2026-11-01T00:00:00Z', ok: false }], now: NOW });
  assert.match(failed.find((l) => l.id === 'no-recent-drill')?.what ?? '', /failed/);
  // a job left out of the off-site copy, and no answers at all
  const partial = {
    ...config,
    backup: { jobs: config.backup.jobs.map((j, i) => (i === 0 ? { ...j, offsite: undefined } : j)) },
  };
  assert.match(
    checkPlan({ config: partial, answers: full, drills, now: NOW }).find((l) => l.id === 'no-offsite-backup')?.what ??
      '',
    /not copied off-site: site/,
  );
  assert.ok(checkPlan({ config, answers: null, drills, now: NOW }).some((l) => l.id === 'no-answers'));
});

test('"Fix the cause" lists the known holes, knocked-on first, escaped; or says how to get advisory data', async () => {
  const a = answers({});
  const none = await plan(a);
  assert.match(
    none.markdown,
    /### Patch these before anything else\n\nNo advisory data yet: run `ripcord vulns update`/,
  );
  const clean = await plan(a, { patchFirst: { checked: true, items: [] } });
  assert.match(clean.markdown, /No known vulnerability in the software Ripcord found/);
  const p = await plan(a, {
    patchFirst: {
      checked: true,
      items: [
        {
          component: 'magento/product-community-edition',
          version: '2.4.6',
          ecosystem: 'Packagist',
          severity: 'critical',
          advisories: ['CVE-2024-34102'],
          upgradeTo: '2.4.6-p6',
          knocked: 12,
        },
        {
          component: 'plugin:evil|<b>x</b>',
          version: '1.0',
          ecosystem: 'WordPress',
          severity: 'medium',
          advisories: ['WF-1'],
          upgradeTo: null,
          knocked: 0,
        },
      ],
    },
  });
  const fix = p.markdown.slice(p.markdown.indexOf('## 2. Fix the cause'), p.markdown.indexOf('## 3. Minimise'));
  const rows = fix
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Component') && !l.startsWith('| ---'));
  assert.equal(rows.length, 2);
  assert.match(
    rows[0] ?? '',
    /magento\/product-community-edition.*2\.4\.6 \| critical \| CVE-2024-34102 \| 2\.4\.6-p6 \| \*\*12 requests\*\*/,
  );
  assert.match(rows[1] ?? '', /no fix yet \| no \|$/);
  assert.doesNotMatch(p.html, /<b>x<\/b>/, 'a component name is text, never markup');
  assert.equal(rows[1]?.split(' | ').length, 6, 'a | in a name does not add a column');
});
