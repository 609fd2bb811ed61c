// The shop's particulars, as `ripcord init` asks for them and `plan.answers.yml` keeps them:
// hosting, platform and where its files, logs and database are, the business, the customer
// data stored, where customers live, how busy the shop is, who to call, where alerts and
// off-site backups go. One zod schema serves the interview and the answers file: every field
// has a default (so a partial file works) and a description, and a bad field is named by its
// path (`customers.countries[1]: ...`).

import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { countryCode, placeOf, usStateCode } from '../notices/index.ts';

const hostingKinds = ['shared', 'vps', 'managed', 'paas'] as const;
const platforms = ['magento2', 'magento1', 'woocommerce', 'prestashop', 'opencart', 'custom'] as const;
const businessKinds = ['physical-goods', 'digital-goods', 'services', 'subscriptions', 'health', 'other'] as const;
const cardHandling = ['stored', 'tokenised', 'never'] as const;
const databaseKinds = ['mysql', 'postgres', 'sqlite', 'none'] as const;
export const contactRoles = [
  'owner',
  'developer',
  'host',
  'paymentProcessor',
  'acquirer',
  'lawyer',
  'insurer',
] as const;

export type Platform = (typeof platforms)[number];
export type ContactRole = (typeof contactRoles)[number];

/** Where each platform usually lives and what its database is called, for the defaults. */
export const platformDefaults: Record<Platform, { root: string; database: string; label: string }> = {
  magento2: { root: '/var/www/magento', database: 'magento', label: 'Magento 2 / Adobe Commerce' },
  magento1: { root: '/var/www/magento', database: 'magento', label: 'Magento 1 / OpenMage' },
  woocommerce: { root: '/var/www/wordpress', database: 'wordpress', label: 'WooCommerce (WordPress)' },
  prestashop: { root: '/var/www/prestashop', database: 'prestashop', label: 'PrestaShop' },
  opencart: { root: '/var/www/opencart', database: 'opencart', label: 'OpenCart' },
  custom: { root: '/var/www/shop', database: 'shop', label: 'custom-built shop' },
};

/** Australian states and territories (the federal law applies to all of them). */
const AU_STATES = new Set(['NSW', 'VIC', 'QLD', 'WA', 'SA', 'TAS', 'ACT', 'NT']);
/** Canadian provinces and territories (Quebec has its own law; PIPEDA covers the rest). */
const CA_PROVINCES = new Set(['AB', 'BC', 'MB', 'NB', 'NL', 'NS', 'NT', 'NU', 'ON', 'PE', 'QC', 'SK', 'YT']);

const text = (d: string, why: string) => z.string().trim().default(d).describe(why);

const contactSchema = z
  .strictObject({
    name: text('', 'Name (person or company).'),
    reach: text('', 'How to reach them at any hour: phone, e-mail, account or contract number.'),
  })
  .prefault({});

export const answersSchema = z.strictObject({
  version: z.literal(1).default(1).describe('Answers format version.'),
  shop: z
    .strictObject({
      name: text('My Shop', 'Name of the shop, used in the plan, messages and notices.'),
      url: text('https://shop.example', 'Address of the shop, for notices (where customers reset passwords).'),
      country: z
        .string()
        .trim()
        .superRefine((c, ctx) => {
          if (countryCode(c) === null) ctx.addIssue({ code: 'custom', message: `"${c}" is not a country` });
        })
        .default('US')
        .describe('Country where the business is established (ISO code such as US, DE, GB).'),
      business: z
        .enum(businessKinds)
        .default('physical-goods')
        .describe('What the shop sells; some kinds (health) make order history sensitive data.'),
    })
    .prefault({}),
  hosting: z
    .enum(hostingKinds)
    .default('vps')
    .describe('shared hosting, a VPS or dedicated server, a managed shop platform, or a PaaS.'),
  platform: z.enum(platforms).default('woocommerce').describe('The shop software.'),
  files: z
    .strictObject({
      root: z.string().trim().default('').describe("The shop's document root (default: the platform's usual folder)."),
      accessLog: text('/var/log/nginx/access.log', 'The web server access log.'),
      accessLogFormat: z.enum(['nginx', 'apache']).default('nginx').describe('nginx or apache (combined format).'),
      authLog: z
        .string()
        .trim()
        .optional()
        .describe('The SSH/FTP/sudo login log (/var/log/auth.log); empty when the host keeps it (shared hosting).'),
      stateDir: text('/var/lib/ripcord', 'Where Ripcord keeps its database and the local backup repository.'),
    })
    .prefault({}),
  database: z
    .strictObject({
      type: z
        .enum(databaseKinds)
        .default('mysql')
        .describe('The shop database: mysql (or MariaDB), postgres, sqlite, none.'),
      name: z.string().trim().default('').describe("Database name (default: the platform's usual one)."),
      host: text('127.0.0.1', 'Database server host.'),
      user: text('backup', 'A database user that can read every table (for backups).'),
      passwordEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)')
        .default('SHOPDB_PASSWORD')
        .describe('Name of the environment variable holding the password; never the password itself.'),
      path: text('', 'SQLite only: the database file.'),
    })
    .prefault({}),
  data: z
    .strictObject({
      accounts: z.boolean().default(true).describe('Customer accounts with passwords.'),
      addresses: z.boolean().default(true).describe('Postal addresses.'),
      phone: z.boolean().default(true).describe('Phone numbers.'),
      dateOfBirth: z.boolean().default(false).describe('Dates of birth.'),
      cards: z
        .enum(cardHandling)
        .default('tokenised')
        .describe('Card numbers: stored by the shop, tokenised by a payment gateway, or never on the server.'),
    })
    .prefault({}),
  customers: z
    .strictObject({
      countries: z
        .array(
          z
            .string()
            .trim()
            .min(1)
            .superRefine((c, ctx) => {
              if (countryCode(c) === null)
                ctx.addIssue({
                  code: 'custom',
                  message: `"${c}" is not a country (use ISO codes like US, DE, GB, or English names)`,
                });
            }),
        )
        .default(['US'])
        .describe('Countries where customers live (ISO codes or names).'),
      regions: z
        .array(
          z
            .string()
            .trim()
            .min(1)
            .superRefine((r, ctx) => {
              const rc = regionCode(r);
              if ('error' in rc) ctx.addIssue({ code: 'custom', message: rc.error });
            }),
        )
        .default([])
        .describe('US states, Canadian provinces, Australian states: US-CA, CA-QC, AU-NSW.'),
    })
    .prefault({}),
  activity: z
    .strictObject({
      ordersPerDay: z.number().min(0).default(20).describe('Orders on an ordinary day.'),
      deploysPerWeek: z.number().min(0).default(1).describe('Code or theme changes put live per week.'),
    })
    .prefault({}),
  contacts: z
    .strictObject(
      Object.fromEntries(contactRoles.map((r) => [r, contactSchema])) as Record<ContactRole, typeof contactSchema>,
    )
    .prefault({}),
  alerts: z
    .strictObject({
      email: text('', 'Where alerts go (the owner, or whoever is on call); empty means no e-mail alerts.'),
      smtpHost: text('localhost', 'The SMTP server that sends them.'),
      smtpPort: z.number().int().min(1).max(65535).default(25).describe('Its port (587 with STARTTLS at a provider).'),
    })
    .prefault({}),
  offsite: z
    .strictObject({
      location: text(
        '',
        'Where backups are copied off the server: sftp://user@host/folder, rclone:remote:path, or a folder on another disk.',
      ),
      hostKey: z.string().trim().optional().describe("SFTP only: the server's SHA-256 host key fingerprint."),
      identityFile: z.string().trim().optional().describe('SFTP only: the private key file to log in with.'),
    })
    .prefault({}),
});

export type Answers = z.infer<typeof answersSchema>;
export type AnswersInput = z.input<typeof answersSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** A region code from what the owner typed: US-CA, California, CA-QC, Quebec, AU-NSW; or a message. */
export function regionCode(text: string): { code: string } | { error: string } {
  const t = text.trim();
  const m = /^([A-Za-z]{2})[-\s]([A-Za-z]{2,3})$/.exec(t);
  const country = m ? (m[1] as string).toUpperCase() : null;
  const sub = m ? (m[2] as string).toUpperCase() : t;
  if (country === 'AU' || (country === null && AU_STATES.has(sub.toUpperCase()))) {
    return AU_STATES.has(sub.toUpperCase())
      ? { code: `AU-${sub.toUpperCase()}` }
      : { error: `"${t}" is not an Australian state (NSW, VIC, QLD, WA, SA, TAS, ACT, NT)` };
  }
  if (country === 'CA') {
    if (CA_PROVINCES.has(sub)) return { code: `CA-${sub}` };
    const p = placeOf('CA', sub);
    return p.region !== null ? { code: `CA-${p.region}` } : { error: `"${t}" is not a Canadian province` };
  }
  if (country === 'US' || country === null) {
    const s = usStateCode(sub);
    if (s !== null) return { code: `US-${s}` };
    if (country === null) {
      const p = placeOf('CA', t);
      if (p.region !== null) return { code: `CA-${p.region}` };
    }
  }
  return { error: `"${t}" is not a US state, Canadian province or Australian state (write US-CA, CA-QC, AU-NSW)` };
}

/** Checks that span fields: the off-site location's needs, the SQLite file, the database name. */
function refine(a: Answers, ctx: z.RefinementCtx): void {
  if (a.offsite.location.startsWith('sftp://') && (a.offsite.hostKey ?? '') === '')
    ctx.addIssue({
      code: 'custom',
      path: ['offsite', 'hostKey'],
      message: "an SFTP location needs the server's host key fingerprint (`ssh-keyscan HOST | ssh-keygen -lf -`)",
    });
  if (a.database.type === 'sqlite' && a.database.path === '')
    ctx.addIssue({ code: 'custom', path: ['database', 'path'], message: 'an SQLite database needs its file' });
  if (!/^[A-Za-z0-9_]*$/.test(a.database.name))
    ctx.addIssue({ code: 'custom', path: ['database', 'name'], message: 'letters, digits and _ only' });
}

const checkedSchema = answersSchema.superRefine(refine);

/** Checks a parsed answers document; throws AppError('config_invalid') naming every bad field. */
export function parseAnswers(doc: unknown, where: string): Answers {
  const r = checkedSchema.safeParse(doc ?? {});
  if (!r.success) {
    const details = r.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`);
    throw new AppError(
      'config_invalid',
      `the answers are not valid (${details.length} problem${details.length === 1 ? '' : 's'})`,
      { where, details },
    );
  }
  return withPlatformDefaults(r.data);
}

/** Fills the fields whose default depends on other answers (document root, database name, login log). */
export function withPlatformDefaults(a: Answers): Answers {
  const d = platformDefaults[a.platform];
  return {
    ...a,
    files: {
      ...a.files,
      root: a.files.root === '' ? d.root : a.files.root,
      // On a server of its own the login log is the system's; a host keeps it otherwise.
      authLog: a.files.authLog ?? (a.hosting === 'vps' ? '/var/log/auth.log' : ''),
    },
    database: { ...a.database, name: a.database.name === '' ? d.database : a.database.name },
  };
}

/** Checks one answer on its own, for the interview's prompt validation: true or the message. */
export function checkCountries(list: readonly string[]): true | string {
  const bad = list.filter((c) => countryCode(c) === null);
  return bad.length === 0 ? true : `not a country: ${bad.join(', ')} (use ISO codes like US, DE, GB)`;
}

export function checkRegions(list: readonly string[]): true | string {
  for (const r of list) {
    const rc = regionCode(r);
    if ('error' in rc) return rc.error;
  }
  return true;
}
