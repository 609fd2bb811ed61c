// `ripcord init`'s interview: the questions of answers.ts, asked in order through a Prompter,
// each with a default (the previous answers when there are some, else a sensible one that
// follows from earlier answers: the platform's folder, the auth log on a VPS) and a one-line
// why. The result goes through the same schema as an answers file.

import {
  answersSchema,
  checkCountries,
  checkRegions,
  contactRoles,
  parseAnswers,
  platformDefaults,
  withPlatformDefaults,
  type Answers,
  type ContactRole,
} from './answers.ts';
import { roleNames } from './check.ts';
import type { Prompter } from './ports.ts';

/** The answers an interview starts from when there are none yet. */
export function defaultAnswers(): Answers {
  return withPlatformDefaults(answersSchema.parse({}));
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** "-" or "none" answers a question whose answer may be nothing (the prompt's Enter takes the default). */
const orNone = (s: string): string => (s === '-' || s.toLowerCase() === 'none' ? '' : s);

const contactWhy: Record<ContactRole, string> = {
  owner: 'decides and signs the notices; the first call.',
  developer: 'finds and closes the way in; restores the shop.',
  host: 'has server access and logs you may not see; can take the server off-line.',
  paymentProcessor: 'when cards are involved, stops further losses (Stripe, Adyen, PayPal, ...).',
  acquirer: 'your merchant bank: card rules require telling it at once after a card breach.',
  lawyer: 'decides which notices are due and their wording.',
  insurer: 'cyber insurance usually requires notice within days.',
};

export async function interview(p: Prompter, start: Answers = defaultAnswers()): Promise<Answers> {
  const a = structuredClone(start);

  p.section('The shop');
  a.shop.name = await p.text({
    message: 'Name of the shop',
    why: 'Used in the plan, alerts and customer notices.',
    default: a.shop.name,
  });
  a.shop.url = await p.text({
    message: 'Address of the shop',
    why: 'Notices tell customers where to reset passwords and find news.',
    default: a.shop.url,
  });
  a.shop.country = await p.text({
    message: 'Country where the business is established (ISO code)',
    why: 'An EU business gets one lead data-protection authority (GDPR one-stop shop).',
    default: a.shop.country,
    validate: (v) => checkCountries([v]),
  });
  a.shop.business = await p.select({
    message: 'What does the shop sell?',
    why: 'Some purchases reveal sensitive facts (health products make order history health data).',
    default: a.shop.business,
    choices: [
      { value: 'physical-goods', name: 'physical goods' },
      { value: 'digital-goods', name: 'digital goods, downloads' },
      { value: 'services', name: 'services, bookings' },
      { value: 'subscriptions', name: 'subscriptions' },
      { value: 'health', name: 'health, pharmacy, supplements' },
      { value: 'other', name: 'something else' },
    ],
  });

  p.section('Where it runs');
  const hostingBefore = a.hosting;
  a.hosting = await p.select({
    message: 'Hosting',
    why: 'Decides which logs you can read and who must act on the server.',
    default: a.hosting,
    choices: [
      { value: 'shared', name: 'shared hosting' },
      { value: 'vps', name: 'VPS or dedicated server' },
      { value: 'managed', name: 'managed shop hosting' },
      { value: 'paas', name: 'PaaS (Adobe Commerce Cloud, Platform.sh, ...)' },
    ],
  });
  const hostingChanged = a.hosting !== hostingBefore;
  const platformBefore = a.platform;
  a.platform = await p.select({
    message: 'Shop platform',
    why: 'Chooses which folders are caches and where admin logins and injected scripts hide.',
    default: a.platform,
    choices: (Object.keys(platformDefaults) as Answers['platform'][]).map((k) => ({
      value: k,
      name: platformDefaults[k].label,
    })),
  });
  const d = platformDefaults[a.platform];
  const changed = a.platform !== platformBefore;
  a.files.root = await p.text({
    message: "The shop's folder (document root)",
    why: 'Its files are watched against a known-good copy and backed up.',
    default: changed || a.files.root === '' ? d.root : a.files.root,
  });
  a.files.accessLog = await p.text({
    message: 'Web server access log',
    why: 'Every request is recorded: how they got in is in here.',
    default: a.files.accessLog,
  });
  a.files.accessLogFormat = await p.select({
    message: 'Web server',
    why: 'Picks the log format.',
    default: a.files.accessLogFormat,
    choices: [
      { value: 'nginx', name: 'nginx' },
      { value: 'apache', name: 'Apache' },
    ],
  });
  a.files.authLog = orNone(
    await p.text({
      message: 'Login log (SSH, FTP, sudo); - if the host keeps it',
      why: 'Ripcord tells you at once whenever anyone logs in.',
      default: hostingChanged ? (a.hosting === 'vps' ? '/var/log/auth.log' : '') : (a.files.authLog ?? ''),
    }),
  );
  a.database.type = await p.select({
    message: 'Shop database',
    why: 'The orders and customers: backed up on a schedule that fits how busy you are.',
    default: a.database.type,
    choices: [
      { value: 'mysql', name: 'MySQL or MariaDB' },
      { value: 'postgres', name: 'PostgreSQL' },
      { value: 'sqlite', name: 'SQLite file' },
      { value: 'none', name: 'none / not on this server' },
    ],
  });
  if (a.database.type === 'mysql' || a.database.type === 'postgres') {
    a.database.name = await p.text({
      message: 'Database name',
      why: 'The database the backup dumps.',
      default: changed || a.database.name === '' ? d.database : a.database.name,
      validate: (v) => (/^[A-Za-z0-9_]+$/.test(v) ? true : 'letters, digits and _ only'),
    });
    a.database.host = await p.text({
      message: 'Database server',
      why: 'Where the dump connects.',
      default: a.database.host,
    });
    a.database.user = await p.text({
      message: 'Database user for backups',
      why: 'A user that can read every table; a read-only one is best.',
      default: a.database.user,
    });
    a.database.passwordEnv = await p.text({
      message: 'Environment variable holding its password',
      why: 'Passwords never go into ripcord.yml.',
      default: a.database.passwordEnv,
      validate: (v) =>
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? true : 'an environment variable name (letters, digits, _)',
    });
  } else if (a.database.type === 'sqlite') {
    a.database.path = await p.text({
      message: 'SQLite database file',
      why: 'Copied with the online backup API, never as a live file.',
      default: a.database.path,
      validate: (v) => (v.trim() === '' ? 'the file is needed' : true),
    });
  }

  p.section('Customers');
  const kinds = await p.checkbox({
    message: 'Customer data the shop stores',
    why: 'Decides which breach laws are triggered and what notices must say.',
    default: (['accounts', 'addresses', 'phone', 'dateOfBirth'] as const).filter((k) => a.data[k]),
    choices: [
      { value: 'accounts', name: 'accounts with passwords' },
      { value: 'addresses', name: 'postal addresses' },
      { value: 'phone', name: 'phone numbers' },
      { value: 'dateOfBirth', name: 'dates of birth' },
    ],
  });
  a.data.accounts = kinds.includes('accounts');
  a.data.addresses = kinds.includes('addresses');
  a.data.phone = kinds.includes('phone');
  a.data.dateOfBirth = kinds.includes('dateOfBirth');
  a.data.cards = await p.select({
    message: 'Payment cards',
    why: "Card data brings the card networks' rules (PCI DSS) and the acquirer into a breach.",
    default: a.data.cards,
    choices: [
      { value: 'tokenised', name: 'tokenised by a payment gateway (card form on our page)' },
      { value: 'never', name: 'never touch the server (redirect to the payment page)' },
      { value: 'stored', name: 'stored by the shop' },
    ],
  });
  a.customers.countries = list(
    await p.text({
      message: 'Countries where customers live (comma-separated, e.g. US, DE, GB)',
      why: 'Each country (and US state) has its own breach law and deadlines.',
      default: a.customers.countries.join(', '),
      validate: (v) => (list(v).length === 0 ? 'at least one country' : checkCountries(list(v))),
    }),
  );
  a.customers.regions = list(
    orNone(
      await p.text({
        message: 'US states, Canadian provinces, Australian states (e.g. US-CA, US-NY, CA-QC); - for all',
        why: 'Without states, the plan assumes customers in every US state.',
        default: a.customers.regions.join(', '),
        validate: (v) => checkRegions(list(orNone(v))),
      }),
    ),
  );

  p.section('How busy');
  a.activity.ordersPerDay = await p.number({
    message: 'Orders on an ordinary day',
    why: 'A busy shop backs its database up hourly; a quiet one daily or weekly.',
    default: a.activity.ordersPerDay,
    min: 0,
  });
  a.activity.deploysPerWeek = await p.number({
    message: 'Code or theme changes put live per week',
    why: 'Sets how often the files are backed up.',
    default: a.activity.deploysPerWeek,
    min: 0,
  });

  p.section('Who to call');
  for (const role of contactRoles) {
    const c = a.contacts[role];
    c.name = orNone(await p.text({ message: `${roleNames[role]}: name`, why: contactWhy[role], default: c.name }));
    c.reach = orNone(
      await p.text({
        message: `${roleNames[role]}: phone / e-mail, any hour`,
        why: 'In an emergency you call; write the number that answers at night.',
        default: c.reach,
      }),
    );
  }

  p.section('Alerts and backups');
  const ownerMail = /[^\s,;]+@[^\s,;]+/.exec(a.contacts.owner.reach)?.[0] ?? '';
  a.alerts.email = orNone(
    await p.text({
      message: 'E-mail address for alerts; - for none',
      why: 'Logins, attacks and failed backups are sent here at once.',
      default: a.alerts.email !== '' ? a.alerts.email : ownerMail,
    }),
  );
  if (a.alerts.email !== '') {
    a.alerts.smtpHost = await p.text({
      message: 'SMTP server',
      why: 'The server that sends the alerts.',
      default: a.alerts.smtpHost,
    });
    a.alerts.smtpPort = await p.number({
      message: 'SMTP port',
      why: '25 on the server itself; 587 (STARTTLS) or 465 (TLS) at a mail provider.',
      default: a.alerts.smtpPort,
      min: 1,
    });
  }
  a.offsite.location = orNone(
    await p.text({
      message: 'Off-site backup location (sftp://user@host/folder, rclone:remote:path); - for none',
      why: 'A backup on the same server dies with it.',
      default: a.offsite.location,
    }),
  );
  if (a.offsite.location.startsWith('sftp://')) {
    a.offsite.hostKey = await p.text({
      message: "The SFTP server's host key fingerprint (SHA256:...)",
      why: 'Ripcord refuses any other server: `ssh-keyscan HOST | ssh-keygen -lf -`.',
      default: a.offsite.hostKey ?? '',
      validate: (v) =>
        /^SHA256:[A-Za-z0-9+/]{43}$/.test(v)
          ? true
          : 'a fingerprint like SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
    });
    a.offsite.identityFile = await p.text({
      message: 'Private key file for the SFTP login',
      why: 'Key login; the key stays readable only by Ripcord.',
      default: a.offsite.identityFile ?? '/etc/ripcord/id_ed25519',
    });
  }
  a.files.stateDir = await p.text({
    message: "Folder for Ripcord's state and local backups",
    why: 'Its database, checkpoints and the encrypted repository live here.',
    default: a.files.stateDir,
  });
  return parseAnswers(a, 'the interview');
}
