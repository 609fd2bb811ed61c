// The shop's particulars -> `ripcord.yml`: the traffic sources (access log, login log), the
// site files watched with the platform's preset (caches, sessions and logs left out), backup
// jobs on the cadence the shop's activity calls for, off-site copies, and the alert channel
// with its routes. The result is a plain document (checked by the app against the real config
// schema before anything is written) and its YAML text with a comment on each section.

import { Document, isMap, isPair, isScalar, type Node } from 'yaml';
import type { Answers } from './answers.ts';
import { cadenceFor } from './cadence.ts';

/** The integrity preset of a platform (`custom` has none: only the common excludes apply). */
export function presetOf(platform: Answers['platform']): string {
  return platform === 'custom' ? 'none' : platform;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
}

/** The name of the off-site location in `repository.offsite`, when one was given. */
const OFFSITE_NAME = 'offsite';

/** The configuration document for the answers (plain data, YAML-ready). */
export function configDocument(a: Answers): Record<string, unknown> {
  const cadence = cadenceFor(a.activity);
  const offsite = a.offsite.location !== '';
  const sources: Record<string, unknown>[] = [
    { type: 'file', id: 'web', path: a.files.accessLog, format: a.files.accessLogFormat },
  ];
  if ((a.files.authLog ?? '') !== '')
    sources.push({ type: 'file', id: 'logins', path: a.files.authLog, format: 'syslog' });

  const jobs: Record<string, unknown>[] = [
    {
      type: 'files',
      name: 'site',
      paths: [a.files.root],
      schedule: cadence.files.schedule,
      keep: cadence.files.keep,
      ...(offsite ? { offsite: OFFSITE_NAME } : {}),
    },
  ];
  const db = a.database;
  const dbCommon = {
    name: 'shopdb',
    schedule: cadence.database.schedule,
    keep: cadence.database.keep,
    ...(offsite ? { offsite: OFFSITE_NAME } : {}),
  };
  if (db.type === 'mysql' || db.type === 'postgres')
    jobs.push({
      type: db.type,
      ...dbCommon,
      host: db.host,
      user: db.user,
      database: db.name,
      passwordEnv: db.passwordEnv,
    });
  else if (db.type === 'sqlite') jobs.push({ type: 'sqlite', ...dbCommon, path: db.path });

  const channels: Record<string, unknown> = {};
  if (a.alerts.email !== '')
    channels['owner-mail'] = {
      type: 'email',
      host: a.alerts.smtpHost,
      port: a.alerts.smtpPort,
      tls: a.alerts.smtpPort === 465 ? 'tls' : a.alerts.smtpPort === 587 ? 'starttls' : 'opportunistic',
      from: `Ripcord <ripcord@${hostOf(a.shop.url)}>`,
      to: [a.alerts.email],
    };

  const repository: Record<string, unknown> = {};
  if (offsite) {
    repository['offsite'] = {
      [OFFSITE_NAME]: {
        location: a.offsite.location,
        ...(a.offsite.hostKey ? { hostKey: a.offsite.hostKey } : {}),
        ...(a.offsite.identityFile ? { identityFile: a.offsite.identityFile } : {}),
      },
    };
  }

  return {
    version: 1,
    stateDir: a.files.stateDir,
    store: 'sqlite',
    site: {
      name: a.shop.name,
      platform: a.platform,
      root: a.files.root,
      ...(/^https?:\/\//.test(a.shop.url) ? { url: a.shop.url } : {}),
    },
    sources,
    logs: { retentionDays: 400 },
    detect: { enabled: true },
    alerts: {
      channels,
      routes: [
        { name: 'logins', match: { category: ['login'] }, groupBy: ['finding'], groupWait: '0s' },
        {
          name: 'serious',
          match: { minSeverity: 'high' },
          groupBy: ['groupKey'],
          groupWait: '30s',
          groupInterval: '5m',
          repeatInterval: '4h',
        },
      ],
    },
    repository,
    integrity: { paths: [a.files.root], preset: presetOf(a.platform), exclude: [], schedule: '17 4 * * *' },
    backup: { jobs },
  };
}

const comments: Record<string, string> = {
  stateDir: ' Where Ripcord keeps its database and (by default) the local backup repository.',
  site: ' The shop: its platform chooses the presets (caches, sessions, admin login paths).',
  sources: ' The traffic recorded: web access log, and logins (SSH, FTP, sudo) where the server has them.',
  logs: ' 400 days of traffic: PCI DSS 10.5.1 asks for 12 months of audit trail.',
  alerts: ' Every login at once, attacks grouped. `ripcord alerts test owner-mail` sends a test message.',
  repository:
    ' Known-good copies and backups, encrypted. Passphrase from RIPCORD_PASSPHRASE (or add passphraseFile:).\n' +
    ' Create it with `ripcord repo init`. offsite: where every backup is copied after it runs.',
  integrity: " The site's files, with the platform preset leaving out caches, sessions and logs; full check daily.",
  backup: ' Backup jobs on a cadence for the shop\'s activity (see PLAN.md, "Repair the damage").',
};

/** YAML text of a configuration document, with a header and a comment on each section. */
export function configYaml(doc: Record<string, unknown>, header: string): string {
  const d = new Document(doc);
  d.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  const root: Node | null = d.contents;
  if (isMap(root))
    for (const item of root.items) {
      if (!isPair(item) || !isScalar(item.key)) continue;
      const c = comments[String(item.key.value)];
      if (c !== undefined) item.key.commentBefore = c;
    }
  const out = d.toString({ lineWidth: 110 });
  return out.endsWith('\n') ? out : `${out}\n`;
}
