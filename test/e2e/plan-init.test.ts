// `ripcord init`, `ripcord plan` and `ripcord plan check` end to end: the interview answered
// key by key in a real terminal (tmux), the same from an answers file, the configuration they
// write accepted by `ripcord config check`, the plan naming the laws of the customers' places,
// and plan check's findings and exit codes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cosmicSting, writeZip } from '../helpers/osv.ts';
import { stringify } from 'yaml';
import { Terminal, tmuxSkip } from '../helpers/tmux.ts';

const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
const ripcord = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd, env: { ...process.env, NO_COLOR: '1' } });

/** A folder laid out like a small server: the shop's files and its log folder. */
function server(): { dir: string; root: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-init-'));
  const root = join(dir, 'www');
  mkdirSync(join(root, 'app'), { recursive: true });
  writeFileSync(join(root, 'index.php'), '<?php echo "shop";\n');
  mkdirSync(join(dir, 'log'));
  const log = join(dir, 'log', 'access.log');
  writeFileSync(log, '');
  return { dir, root, log };
}

test(
  'the interview in a real terminal writes a configuration that config check accepts, and the plan',
  tmuxSkip(),
  async () => {
    const s = server();
    const t = Terminal.start([process.execPath, main, 'init'], { cwd: s.dir });
    try {
      // Each question is answered once it is on screen; Enter takes the shown default.
      const steps: [string, ...string[]][] = [
        ['? Name of the shop', 'Tmux Teas', 'Enter'],
        ['? Address of the shop', 'Enter'],
        ['? Country where the business', 'Enter'],
        ['? What does the shop sell?', 'Enter'],
        ['? Hosting', 'Up', 'Enter'], // shared hosting
        ['? Shop platform', 'Up', 'Up', 'Enter'], // from WooCommerce up to Magento 2
        ["? The shop's folder", s.root, 'Enter'],
        ['? Web server access log', s.log, 'Enter'],
        ['? Web server', 'Enter'],
        ['? Login log', 'Enter'], // shared hosting: none by default
        ['? Shop database', 'Down', 'Down', 'Enter'], // SQLite
        ['? SQLite database file', join(s.dir, 'shop.db'), 'Enter'],
        ['? Customer data the shop stores', 'Down', 'Down', 'Down', 'Space', 'Enter'], // also dates of birth
        ['? Payment cards', 'Enter'],
        ['? Countries where customers live', 'US, DE', 'Enter'],
        ['? US states, Canadian provinces', 'US-CA', 'Enter'],
        ['? Orders on an ordinary day', 'BSpace', 'BSpace', '300', 'Enter'],
        ['? Code or theme changes', 'Enter'],
        ['? owner: name', 'Olive Owner', 'Enter'],
        ['? owner: phone', '+1 555 0100, olive@tmux-teas.example', 'Enter'],
        ...[
          'developer',
          'hosting company',
          'payment processor',
          'acquirer (merchant bank)',
          'lawyer',
          'cyber insurer',
        ].flatMap((r): [string, ...string[]][] => [
          [`? ${r}: name`, 'Enter'],
          [`? ${r}: phone`, 'Enter'],
        ]),
        ['? E-mail address for alerts', 'Enter'], // the owner's, taken from the contact
        ['? SMTP server', 'Enter'],
        ['? SMTP port', 'Enter'],
        ['? Off-site backup location', 'Enter'],
        ["? Folder for Ripcord's state", './state', 'Enter'],
      ];
      // A question is answered once it is the one asked (every earlier one shows ✔), and the
      // next waits until this one is answered, so no key reaches the wrong prompt.
      const answered = (screen: string) => (screen.match(/^✔ /gm) ?? []).length;
      for (const [i, [question, ...keys]] of steps.entries()) {
        await t.waitFor((screen) => answered(screen) === i && screen.includes(question));
        t.keys(...keys);
        await t.waitFor((screen) => answered(screen) === i + 1);
      }
      const screen = await t.waitFor(/EXIT=\d+/);
      assert.match(screen, /EXIT=0/, screen);
      // Every question showed its one-line why.
      assert.match(screen, /Each country \(and US state\) has its own breach law and deadlines\./);
    } finally {
      t.kill();
    }
    const check = ripcord(s.dir, 'config', 'check', '--json');
    assert.equal(check.status, 0, check.stderr);
    const config = readFileSync(join(s.dir, 'ripcord.yml'), 'utf8');
    assert.match(config, /platform: magento2/);
    assert.match(config, /type: sqlite/);
    assert.match(config, /schedule: 15 \* \* \* \*/, 'a busy shop backs its database up hourly');
    assert.match(config, /olive@tmux-teas\.example/);
    const answers = readFileSync(join(s.dir, 'plan.answers.yml'), 'utf8');
    assert.match(answers, /dateOfBirth: true/);
    const plan = readFileSync(join(s.dir, 'PLAN.md'), 'utf8');
    assert.match(plan, /# Emergency plan: Tmux Teas/);
    assert.match(plan, /California/);
    assert.match(plan, /GDPR/);
    assert.match(readFileSync(join(s.dir, 'PLAN.html'), 'utf8'), /<h1[^>]*>Emergency plan: Tmux Teas<\/h1>/);
  },
);

const answersDoc = (s: { dir: string; root: string; log: string }, over: Record<string, unknown> = {}) => ({
  shop: { name: 'File Shop', url: 'https://file-shop.example', country: 'US', business: 'physical-goods' },
  hosting: 'vps',
  platform: 'woocommerce',
  files: { root: s.root, accessLog: s.log, accessLogFormat: 'apache', authLog: '', stateDir: './state' },
  database: { type: 'mysql', name: 'wordpress', host: '127.0.0.1', user: 'backup', passwordEnv: 'WP_DB_PASSWORD' },
  customers: { countries: ['US', 'DE'], regions: ['US-CA'] },
  activity: { ordersPerDay: 2, deploysPerWeek: 0 },
  alerts: { email: 'owner@file-shop.example' },
  ...over,
});

test('init --answers writes the same files; config check accepts them; the plan names the laws', () => {
  const s = server();
  const file = join(s.dir, 'answers.yml');
  writeFileSync(file, stringify(answersDoc(s)));
  const r = ripcord(s.dir, 'init', '--answers', file, '--json');
  assert.equal(r.status, 0, r.stderr);
  const written = JSON.parse(r.stdout) as { config: string; markdown: string };
  assert.equal(written.config, join(s.dir, 'ripcord.yml'));
  assert.equal(ripcord(s.dir, 'config', 'check').status, 0);
  const plan = readFileSync(join(s.dir, 'PLAN.md'), 'utf8');
  assert.match(plan, /\*\*California\*\* \(US-CA\): Cal\. Civ\. Code § 1798\.82/);
  assert.match(plan, /CCPA/);
  assert.match(plan, /\*\*European Union \(GDPR\)\*\* \(EU\)/);
  assert.doesNotMatch(plan, /\(US-NY\)/, 'only the states named');
  // a quiet shop: the database daily, the files weekly
  assert.match(plan, /\| shopdb \| MySQL\/MariaDB database wordpress on 127\.0\.0\.1 \| At 02:30/);
  assert.match(plan, /\| site \| files: .* \| At 03:45, only on Sunday/);

  // a second init does not overwrite; --force does
  const again = ripcord(s.dir, 'init', '--answers', file);
  assert.equal(again.status, 9);
  assert.match(again.stderr, /--force/);
  assert.equal(ripcord(s.dir, 'init', '--answers', file, '--force').status, 0);
});

test('init --answers names every bad field and writes nothing', () => {
  const s = server();
  const file = join(s.dir, 'answers.yml');
  writeFileSync(
    file,
    stringify(
      answersDoc(s, {
        platform: 'shopify',
        customers: { countries: ['US', 'Atlantis'], regions: ['US-ZZ'] },
        activity: { ordersPerDay: 'many' },
        colour: 'blue',
      }),
    ),
  );
  const r = ripcord(s.dir, 'init', '--answers', file);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /platform: /);
  assert.match(r.stderr, /customers\.countries\[1\]: "Atlantis" is not a country/);
  assert.match(r.stderr, /customers\.regions\[0\]: "US-ZZ"/);
  assert.match(r.stderr, /activity\.ordersPerDay: /);
  assert.match(r.stderr, /colour/);
  assert.equal(spawnSync('ls', [s.dir], { encoding: 'utf8' }).stdout.includes('ripcord.yml'), false);
});

test('init without a terminal and without --answers says how to give them', () => {
  const s = server();
  const r = ripcord(s.dir, 'init');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--answers FILE/);
});

test('plan check lists what is lacking (exit 1) until it lacks nothing (exit 0); plan regenerates', () => {
  const s = server();
  const file = join(s.dir, 'answers.yml');
  writeFileSync(file, stringify(answersDoc(s, { alerts: { email: '' } })));
  assert.equal(ripcord(s.dir, 'init', '--answers', file).status, 0);

  const r = ripcord(s.dir, 'plan', 'check', '--json');
  assert.equal(r.status, 1, r.stderr);
  const ids = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { id: string }).id);
  for (const id of [
    'no-offsite-backup',
    'no-alert-channel',
    'contact-missing:owner',
    'contact-missing:lawyer',
    'no-recent-drill',
  ])
    assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);

  // Fill every gap: contacts, an alert address and an off-site folder in the answers; a drill on record.
  const contacts = Object.fromEntries(
    ['owner', 'developer', 'host', 'paymentProcessor', 'acquirer', 'lawyer', 'insurer'].map((k) => [
      k,
      { name: `The ${k}`, reach: '+1 555 0100' },
    ]),
  );
  writeFileSync(file, stringify(answersDoc(s, { contacts, offsite: { location: join(s.dir, 'usb-disk') } })));
  assert.equal(ripcord(s.dir, 'init', '--answers', file, '--force').status, 0);
  mkdirSync(join(s.dir, 'state', 'backup'), { recursive: true });
  appendFileSync(
    join(s.dir, 'state', 'backup', 'drills.jsonl'),
    `${JSON.stringify({ time: new Date().toISOString(), ok: true, jobs: [] })}\n`,
  );
  const ok = ripcord(s.dir, 'plan', 'check');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /lacks nothing/);

  // The configuration changes (the database job now runs hourly); `ripcord plan` follows it.
  const cfg = join(s.dir, 'ripcord.yml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('schedule: 30 2 * * *', 'schedule: 15 * * * *'));
  const regen = ripcord(s.dir, 'plan', '--json');
  assert.equal(regen.status, 0, regen.stderr);
  assert.match(readFileSync(join(s.dir, 'PLAN.md'), 'utf8'), /\| shopdb \| .* \| At 15 minutes past the hour/);
  assert.match(readFileSync(join(s.dir, 'PLAN.md'), 'utf8'), /Last successful restore drill: \d{4}-/);
  assert.match(readFileSync(join(s.dir, 'PLAN.md'), 'utf8'), /No advisory data yet: run `ripcord vulns update`/);

  // With advisories imported, "Fix the cause" lists the shop's known holes (CosmicSting in 2.4.7).
  writeFileSync(
    join(s.root, 'composer.lock'),
    JSON.stringify({ packages: [{ name: 'magento/product-community-edition', version: '2.4.7' }] }),
  );
  const zip = join(s.dir, 'Packagist.zip');
  writeFileSync(zip, writeZip({ 'GHSA-m8cj-3v68-3cxj.json': JSON.stringify(cosmicSting) }));
  const up = ripcord(s.dir, 'vulns', 'update', '--from', zip);
  assert.equal(up.status, 0, up.stderr);
  const withHoles = ripcord(s.dir, 'plan', '--json');
  assert.equal(withHoles.status, 0, withHoles.stderr);
  assert.ok((JSON.parse(withHoles.stdout.trim().split('\n').pop() ?? '{}') as { vulnerable: number }).vulnerable >= 1);
  const fix = readFileSync(join(s.dir, 'PLAN.md'), 'utf8').split('## 3.')[0]?.split('## 2. Fix the cause')[1] ?? '';
  assert.match(
    fix,
    /### Patch these before anything else[\s\S]*\| magento\/product-community-edition \(Packagist\) \| 2\.4\.7 \| critical \| CVE-2024-34102 \|/,
  );
  // An incident before the facts are stated runs on the plan's places (provisional clocks);
  // once closed, its lessons are in the plan.
  const d = ripcord(s.dir, 'incident', 'declare', '--title', 'Test breach', '--json');
  assert.equal(d.status, 0, d.stderr);
  const declared = JSON.parse(d.stdout) as { provisional: boolean; obligations: unknown[] };
  assert.equal(declared.provisional, true);
  assert.ok(declared.obligations.length > 0, "the clocks of the laws of the plan's places run");
  assert.equal(ripcord(s.dir, 'incident', 'close', '--lesson', 'Keep the admin behind a VPN').status, 0);
  assert.equal(ripcord(s.dir, 'plan').status, 0);
  assert.match(readFileSync(join(s.dir, 'PLAN.md'), 'utf8'), /Keep the admin behind a VPN/);
});

test('Ctrl-C in the interview writes nothing and exits 13', tmuxSkip(), async () => {
  const s = server();
  const t = Terminal.start([process.execPath, main, 'init'], { cwd: s.dir });
  try {
    await t.waitFor('? Name of the shop');
    t.keys('Half a name');
    t.keys('C-c');
    const screen = await t.waitFor(/EXIT=\d+/);
    assert.match(screen, /EXIT=13/, screen);
    assert.match(screen, /cancelled; nothing was written/);
  } finally {
    t.kill();
  }
  assert.deepEqual(readdirSync(s.dir).sort(), ['log', 'www']);
});
