// `ripcord integrity ...`: known-good copies of the site files. Take a baseline, check the
// site against it, see a diff, accept a legitimate deploy, revert injected code, and scan files
// and the shop database for skimmers and backdoors.

import type { Command } from 'commander';
import { EXIT_FOUND, errorCodes } from '../../core/errors.ts';
import type { IntegrityTarget } from '../../app/integrity.ts';
import { withAppFor } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { wrapped } from '../help.ts';

const WHERE_HELP = `
Which folders: --root DIR (repeatable), else integrity.paths, else site.root from ripcord.yml.
Without a config file, state and the repository live in ./.ripcord (or --state-dir); the
repository passphrase is RIPCORD_PASSPHRASE (or RIPCORD_PASSPHRASE_FILE) when set, else a random
key is generated once into <stateDir>/integrity/repository.key (mode 0600) - copy it somewhere
safe. Presets (--preset, or integrity.preset / site.platform) leave out caches, sessions and
logs, and cover only executable files in upload folders: magento1, magento2, woocommerce,
wordpress, prestashop, opencart, none.`;

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function withWhere(cmd: Command): Command {
  return cmd
    .option('--root <dir>', 'folder to cover instead of the configured ones (repeatable)', collect)
    .option(
      '--preset <name>',
      'platform preset: magento1, magento2, woocommerce, wordpress, prestashop, opencart, none',
    )
    .option('--json', 'print JSON, one object per line')
    .addHelpText('after', wrapped(WHERE_HELP));
}

interface WhereOpts {
  root?: string[];
  preset?: string;
  json?: boolean;
}

// The integrity app (repository, drivers, watcher) is loaded only when an integrity command
// runs, so other commands do not pay for it at start-up.
const app = () => import('../../app/integrity.ts');

type IntegrityApp = Awaited<ReturnType<typeof app>>;
type IntegrityCtx = ReturnType<IntegrityApp['integrityContext']>;

/** Runs one integrity command in the app context (its traffic record is opened only if a change needs it). */
async function withCtx<T>(o: WhereOpts, cmd: Command, fn: (m: IntegrityApp, ctx: IntegrityCtx) => Promise<T>) {
  const t: IntegrityTarget = { roots: o.root, preset: o.preset };
  const m = await app();
  return withAppFor(cmd, (a) => fn(m, m.integrityContextIn(a, t)), m.integrityAppOptions);
}

const size = (n: number): string =>
  n >= 1024 ** 3
    ? `${(n / 1024 ** 3).toFixed(2)} GiB`
    : n >= 1024 ** 2
      ? `${(n / 1024 ** 2).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(1)} KiB`;
const mode = (m: number): string => m.toString(8).padStart(4, '0');

export function register(program: Command): void {
  const integrity = program
    .command('integrity')
    .summary('known-good copies of the site files: check, diff, accept, revert, scan')
    .description(
      'File integrity of the shop. `baseline` keeps a known-good copy of every covered file in the encrypted ' +
        'repository; `check` lists what was added, modified, deleted, re-permissioned or re-pointed since, with ' +
        'the web requests just before each change; `diff` shows a change; `accept` makes a legitimate change ' +
        'part of the baseline; `revert` writes the known-good content back. `scan` looks for skimmers and ' +
        'backdoors in files, `scan-db` in the shop database.',
    );

  withWhere(
    integrity
      .command('baseline')
      .summary('take a known-good snapshot of the site files')
      .description('Takes a snapshot of the covered folders and marks it as the known-good baseline.')
      .option('--reason <text>', 'why (kept in the audit log), e.g. "release 2.4.1 deployed"'),
  ).action(async (o: WhereOpts & { reason?: string }, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) => m.integrityBaseline(ctx, { reason: o.reason }));
    out.record(
      r,
      (x) =>
        `baseline ${x.snapshot.slice(0, 12)}: ${x.files} files, ${x.dirs} folders, ${size(x.bytes)} (${size(x.storedBytes)} new in the repository) in ${(x.durationMs / 1000).toFixed(1)} s\n  ${x.roots.map(safe).join('\n  ')}`,
    );
  });

  withWhere(
    integrity
      .command('check')
      .summary('list added, modified, deleted, re-permissioned files (exit 1 when any)')
      .description(
        'Compares the covered folders with the baseline. Exit 1 when anything changed. ' +
          'The quick check re-reads a file only when its size, mtime, ctime, inode or device moved (mtime can be ' +
          'set back by an attacker, ctime cannot); --full re-reads and re-hashes every file. New and modified ' +
          'files are scanned for malicious code from the same read.',
      )
      .option('--full', 're-hash every file instead of trusting unchanged stat data'),
  ).action(async (o: WhereOpts & { full?: boolean }, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) => m.integrityCheck(ctx, { full: o.full === true }));
    for (const c of r.changes) {
      out.record(
        {
          type: 'change',
          root: c.root,
          path: c.path,
          kinds: c.kinds,
          time: c.time === null ? null : new Date(c.time).toISOString(),
          before: c.before,
          after: c.after,
          findings: c.findings,
          requests: c.requests,
        },
        () => {
          const lines = [`${c.kinds.join(',').padEnd(10)} ${safe(c.path)}`];
          if (c.kinds.includes('mode') && c.before && c.after)
            lines.push(`           mode ${mode(c.before.mode)} -> ${mode(c.after.mode)}`);
          if (c.kinds.includes('owner') && c.before && c.after)
            lines.push(`           owner ${c.before.uid}:${c.before.gid} -> ${c.after.uid}:${c.after.gid}`);
          if (c.kinds.includes('symlink') && c.before && c.after)
            lines.push(`           -> ${safe(c.before.target)} now -> ${safe(c.after.target)}`);
          if (c.time !== null) lines.push(`           changed ${new Date(c.time).toISOString()}`);
          for (const f of c.findings)
            lines.push(`           ! ${f.severity} ${f.rule} line ${f.line}: ${safe(f.match)}`);
          for (const q of c.requests)
            lines.push(
              `           < ${new Date(q.time).toISOString()} ${safe(q.ip)} ${safe(q.method)} ${safe(q.path)}${q.query ? `?${safe(q.query)}` : ''} ${q.status}`,
            );
          return lines.join('\n');
        },
      );
    }
    out.record(
      {
        type: 'summary',
        baseline: r.baseline,
        full: r.full,
        changes: r.changes.length,
        ...r.stats,
        durationMs: r.durationMs,
      },
      () =>
        [
          ...r.stats.errors.map((e) => `warning: ${safe(e)}`),
          `${r.changes.length === 0 ? 'no changes' : `${r.changes.length} change(s)`} against baseline ${r.baseline.slice(0, 12)}: ${r.stats.files} files, ${r.stats.hashed} hashed (${size(r.stats.bytesHashed)}), ${r.stats.fromCache} unchanged by stat, ${(r.durationMs / 1000).toFixed(2)} s${r.full ? ' (full)' : ''}`,
        ].join('\n'),
    );
    if (r.changes.length > 0) process.exitCode = EXIT_FOUND;
  });

  withWhere(
    integrity
      .command('diff')
      .summary('unified diff of a file against its baseline copy')
      .argument('<path>', 'file to compare (absolute, or relative to the site root)')
      .description(
        'Shows a unified diff of a file against its baseline copy; binary files are summarised. Content is escaped.',
      ),
  ).action(async (path: string, o: WhereOpts, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) => m.integrityDiff(ctx, path));
    out.record(r, (x) => {
      if (x.status === 'unchanged') return `${safe(x.path)}: unchanged`;
      if (x.status === 'not-a-file') return `${safe(x.path)}: not a regular file`;
      if (x.binary)
        return `${safe(x.path)}: binary, ${x.status}: ${x.before ? `${x.before.size} bytes ${x.before.hash?.slice(0, 12) ?? ''}` : 'absent'} -> ${x.after ? `${x.after.size} bytes ${x.after.hash?.slice(0, 12) ?? ''}` : 'absent'}`;
      return x.diff.split('\n').map(safe).join('\n');
    });
    if (r.status !== 'unchanged') process.exitCode = EXIT_FOUND;
  });

  withWhere(
    integrity
      .command('accept')
      .summary('make legitimate changes part of the baseline')
      .argument('[paths...]', 'files or folders whose current state is legitimate')
      .description(
        'Makes the current state of the named paths (or, with --all, of everything) the baseline, e.g. after a deploy. Records who and why.',
      )
      .option('--all', 'accept every change: takes a new baseline')
      .option('--reason <text>', 'why (kept in the audit log)'),
  ).action(async (paths: string[], o: WhereOpts & { all?: boolean; reason?: string }, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) =>
      m.integrityAccept(ctx, {
        paths,
        all: o.all === true,
        reason: o.reason,
      }),
    );
    out.record(r, (x) =>
      x.all
        ? `accepted everything: new baseline ${x.snapshot.slice(0, 12)}`
        : `accepted ${x.accepted.length} path(s) into the baseline:\n  ${x.accepted.map((a) => safe(a.path)).join('\n  ')}`,
    );
  });

  withWhere(
    integrity
      .command('revert')
      .summary('write the baseline content back; quarantine added files')
      .argument('[paths...]', 'files or folders to put back')
      .description(
        'Writes the baseline content back (atomically), restores modes and owners and re-creates deleted files. ' +
          'Added files are kept unless --delete-added, which moves them to <stateDir>/quarantine (never deletes). ' +
          'Never follows a symlink out of the site root. Every action goes to the audit log.',
      )
      .option('--all', 'revert every change')
      .option('--dry-run', 'only show what would be done')
      .option('--delete-added', 'move files that are not in the baseline to the quarantine folder'),
  ).action(
    async (
      paths: string[],
      o: WhereOpts & { all?: boolean; dryRun?: boolean; deleteAdded?: boolean },
      cmd: Command,
    ) => {
      const out = createOut(o.json === true);
      const r = await withCtx(o, cmd, (m, ctx) =>
        m.integrityRevert(ctx, {
          paths,
          all: o.all === true,
          dryRun: o.dryRun === true,
          deleteAdded: o.deleteAdded === true,
        }),
      );
      for (const s of r.steps)
        out.record(
          { type: 'step', ...s },
          (x) =>
            `${(o.dryRun === true ? `would ${x.action}` : x.action).padEnd(16)} ${safe(x.path)}${x.detail !== null ? `  (${safe(x.detail)})` : ''}`,
        );
      out.record(
        {
          type: 'summary',
          changes: r.changes,
          restored: r.restored,
          quarantined: r.quarantined,
          refused: r.refused,
          failed: r.failed,
          quarantineDir: r.quarantineDir,
          dryRun: o.dryRun === true,
        },
        (x) =>
          `${x.dryRun ? 'dry run: ' : ''}${x.restored} restored, ${x.quarantined} quarantined, ${x.refused} refused, ${x.failed} failed${x.quarantineDir !== null ? `; quarantine: ${safe(x.quarantineDir)}` : ''}`,
      );
      if (r.refused > 0 || r.failed > 0) process.exitCode = errorCodes.refused[0];
    },
  );

  withWhere(
    integrity
      .command('scan')
      .summary('scan files for skimmers, backdoors and webshells')
      .argument('[paths...]', 'files or folders to scan (default: the covered folders)')
      .description(
        'Scans files for web skimmers, PHP backdoors and webshells, and PHP files in upload folders, with the ' +
          'rules in rules/code/ (and integrity.scan.rules), and with your YARA rule files when ' +
          'integrity.scan.yara.rules names some (needs the yara command). Exit 1 when anything is found.',
      ),
  ).action(async (paths: string[], o: WhereOpts, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) => m.integrityScan(ctx, paths));
    const rows = r.findings.map((f) => [f.severity, f.rule, `${safe(f.path)}:${f.line}`, safe(f.match)]);
    if (o.json === true) for (const f of r.findings) out.record(f, () => '');
    else if (rows.length > 0) out.text(table(rows, ['SEVERITY', 'RULE', 'WHERE', 'MATCH']));
    out.note(
      `${r.findings.length} finding(s) in ${r.files} file(s), ${size(r.bytes)} read, ${(r.durationMs / 1000).toFixed(2)} s`,
    );
    if (r.findings.length > 0) process.exitCode = EXIT_FOUND;
  });

  withWhere(
    integrity
      .command('scan-db')
      .summary('scan the shop database for injected scripts')
      .description(
        'Scans the shop database for injected scripts: Magento core_config_data, cms_block, cms_page; WordPress ' +
          'wp_options, wp_posts; PrestaShop and OpenCart settings and pages; plus integrity.scanDb.tables. ' +
          'The database is integrity.scanDb.url (mysql:// or postgres://), or --url. Exit 1 when anything is found.',
      )
      .option('--url <url>', 'database URL (put the password in RIPCORD_SHOPDB_PASSWORD rather than here)'),
  ).action(async (o: WhereOpts & { url?: string }, cmd: Command) => {
    const out = createOut(o.json === true);
    const r = await withCtx(o, cmd, (m, ctx) => m.integrityScanDb(ctx, { url: o.url }));
    const rows = r.findings.map((f) => [f.severity, f.rule, safe(f.path), safe(f.match)]);
    if (o.json === true) for (const f of r.findings) out.record(f, () => '');
    else if (rows.length > 0) out.text(table(rows, ['SEVERITY', 'RULE', 'WHERE', 'MATCH']));
    for (const n of r.notes) out.note(safe(n));
    out.note(`${r.findings.length} finding(s) in ${r.cells} value(s) of ${r.tables} table(s)`);
    if (r.findings.length > 0) process.exitCode = EXIT_FOUND;
  });
}
