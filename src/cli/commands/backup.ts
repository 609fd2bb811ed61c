// `ripcord backup ...`: run the configured backup jobs (files and databases), list, show and
// diff their snapshots, restore files or a database, and run a restore drill. `backup copy`
// (off-site copies) is registered by backup-copy.ts on the same command.

import type { Command } from 'commander';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import {
  backupDiff,
  backupDrill,
  backupForget,
  backupList,
  backupRestoreDatabase,
  backupRestoreFiles,
  backupRun,
  backupShow,
} from '../../app/backup.ts';
import { withAppFor } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { progressBar } from '../progress.ts';
import { wrapped } from '../help.ts';
import { register as registerCopy } from './backup-copy.ts';

const HELP = `
Jobs are listed under backup.jobs in ripcord.yml: type files (folders, the platform's caches
and sessions left out), postgres (pg_dump), mysql (mysqldump / mariadb-dump) or sqlite (the
online backup API). Passwords come from the environment (PGPASSWORD, MYSQL_PWD, or the
variable a job's passwordEnv names), never from the command line. The repository passphrase
is RIPCORD_PASSPHRASE or RIPCORD_PASSPHRASE_FILE (see ripcord repo --help).

Examples:
  ripcord backup run                       every job
  ripcord backup run shopdb --json         one job, the result as JSON
  ripcord backup list --job shopdb
  ripcord backup restore latest --target /tmp/restored --path app/etc
  ripcord backup restore latest --database shopdb                scratch database on the same server
  ripcord backup restore 1a2b3c4d --database shopdb --in-place   after a safety snapshot
  ripcord backup drill                     restore every job's newest snapshot somewhere temporary and verify`;

const mb = (n: number): string =>
  n >= 1024 ** 3
    ? `${(n / 1024 ** 3).toFixed(2)} GiB`
    : n >= 1024 ** 2
      ? `${(n / 1024 ** 2).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function repoOpt(cmd: Command): { repository: { dir: string | undefined } } {
  return { repository: { dir: cmd.optsWithGlobals<{ repo?: string }>().repo } };
}

export function register(program: Command): void {
  const backup =
    program.commands.find((c) => c.name() === 'backup') ??
    program
      .command('backup')
      .summary('backups of files and databases: run, list, restore, drill, off-site copies')
      .description('Backups of the shop: the jobs in backup.jobs, stored in the encrypted repository.')
      .option('--repo <location>', 'repository (default: repository.location / path in the config)')
      .addHelpText('after', wrapped(HELP));

  backup
    .command('run')
    .description(
      'Runs backup jobs (all, or those named). A database dump is stored only when the dump tool exited 0 and the dump validated; a failed job raises an alert. Files the backup may not read are left out and named (a warning, an alert). Exit status 1 when a job failed or warned.',
    )
    .argument('[jobs...]', 'job names from backup.jobs; default: all')
    .option('--json', 'print the results as JSON')
    .action(async (jobs: string[], o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const bar = progressBar('backup', !out.json);
      // Per job: the rate since the job started; the ETA from the size of its previous backup.
      const started = new Map<string, number>();
      const results = await withAppFor(
        cmd,
        (app) =>
          backupRun(app, {
            jobs,
            onProgress: (job, p, expected) => {
              const t0 = started.get(job) ?? Date.now();
              started.set(job, t0);
              const rate = p.bytes / Math.max(0.001, (Date.now() - t0) / 1000);
              const total = Math.max(expected, p.bytes);
              const eta = expected > p.bytes && rate > 0 ? `${Math.ceil((expected - p.bytes) / rate)} s` : '-';
              bar.update(Math.round(p.bytes / 1024 / 1024), Math.round(total / 1024 / 1024), {
                job,
                files: p.files,
                rate: `${(rate / 1024 / 1024).toFixed(1)} MB/s`,
                eta,
              });
            },
          }),
        repoOpt(cmd),
      ).finally(() => bar.stop());
      out.record({ jobs: results, ok: results.every((r) => r.ok) }, (x) =>
        x.jobs
          .map((r) =>
            r.ok && r.summary !== undefined
              ? `${safe(r.job)} (${r.kind}): snapshot ${r.snapshot?.slice(0, 8)}  ${r.summary.files} file(s), ${mb(r.summary.bytes)}; ` +
                `new data ${mb(r.summary.newBytes)}, deduplicated ${mb(Math.max(0, r.summary.bytes - r.summary.newBytes))}, ` +
                `stored ${mb(r.summary.storedBytes)}, time ${secs(r.summary.durationMs)}` +
                (r.rowCounts !== undefined
                  ? `; ${Object.keys(r.rowCounts).length} table(s), ${Object.values(r.rowCounts).reduce((a, b) => a + b, 0)} row(s)`
                  : '') +
                (r.offsite !== undefined ? `; copied to ${safe(r.offsite)}` : '') +
                (r.error !== undefined ? `\n  warning: ${safe(r.error)}` : '')
              : `${safe(r.job)} (${r.kind}): FAILED: ${safe(r.error)} (no snapshot stored; an alert was raised)`,
          )
          .join('\n'),
      );
      if (!results.every((r) => r.ok && r.error === undefined)) process.exitCode = EXIT_FOUND;
    });

  backup
    .command('list')
    .description('Lists backup snapshots, oldest first.')
    .option('--job <name>', 'only this job')
    .option('--json', 'print as JSON')
    .action(async (o: { job?: string; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const items = await withAppFor(cmd, (app) => backupList(app, o.job), repoOpt(cmd));
      if (out.json) for (const i of items) out.record(i, () => '');
      else
        out.text(
          items.length === 0
            ? 'no backup snapshots'
            : table(
                items.map((i) => [
                  i.id.slice(0, 8),
                  i.time.replace(/\.\d+Z$/, 'Z'),
                  safe(i.job),
                  i.kind,
                  mb(i.bytes),
                  safe(i.tags.filter((t) => !t.startsWith('job:') && !t.startsWith('kind:')).join(',')),
                ]),
                ['ID', 'TIME', 'JOB', 'KIND', 'SIZE', 'TAGS'],
              ),
        );
    });

  backup
    .command('show')
    .description(
      'Shows one snapshot: job, time, sizes, the row counts recorded with a database dump, and its first files.',
    )
    .argument('<snapshot>', "snapshot id (or its first characters), or 'latest'")
    .option('--json', 'print as JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(cmd, (app) => backupShow(app, id), repoOpt(cmd));
      out.record(r, (x) =>
        [
          `snapshot ${x.snapshot.id}`,
          `time     ${x.snapshot.time}`,
          `job      ${safe(x.snapshot.job)} (${x.snapshot.kind}) on ${safe(x.snapshot.host)}`,
          `tags     ${safe(x.snapshot.tags.join(', '))}`,
          `size     ${mb(x.summary.bytes)} in ${x.summary.files} file(s); stored ${mb(x.summary.storedBytes)} new`,
          ...(x.snapshot.rowCounts !== undefined
            ? ['rows at backup time:', ...Object.entries(x.snapshot.rowCounts).map(([t, n]) => `  ${safe(t)}: ${n}`)]
            : []),
          `files (${x.entries} entries):`,
          ...x.files.map((f) => `  ${safe(f)}`),
        ].join('\n'),
      );
    });

  backup
    .command('diff')
    .description('Lists what was added, removed and changed between two snapshots.')
    .argument('<from>', 'older snapshot')
    .argument('<to>', 'newer snapshot')
    .option('--json', 'print as JSON')
    .action(async (a: string, b: string, o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const d = await withAppFor(cmd, (app) => backupDiff(app, a, b), repoOpt(cmd));
      out.record(d, (x) =>
        [
          ...x.added.map((p) => `+ ${safe(p)}`),
          ...x.removed.map((p) => `- ${safe(p)}`),
          ...x.changed.map((p) => `M ${safe(p)}`),
          `${x.added.length} added, ${x.removed.length} removed, ${x.changed.length} changed`,
        ].join('\n'),
      );
    });

  backup
    .command('restore')
    .description(
      'Restores files (--target DIR) or a database (--database JOB: into a scratch database by default, ' +
        '--into URL|FILE, or --in-place after a safety snapshot). Every chunk is verified; nothing is written outside the target.',
    )
    .argument('<snapshot>', "snapshot id (or its first characters), or 'latest' (with --database: that job's newest)")
    .option('--target <dir>', 'files: the folder to restore into')
    .option('--path <path...>', 'files: only these paths (relative to the backed-up folder)')
    .option('--database <job>', 'database: the job whose dump this is')
    .option('--into <url|file>', 'database: postgres://… or mysql://… (an existing database) or a new SQLite file')
    .option('--in-place', "database: overwrite the job's own database (a safety snapshot is taken first)")
    .option('--verify', 'files: also read big restored files back from disk and check their whole SHA-256')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        id: string,
        o: {
          target?: string;
          path?: string[];
          database?: string;
          into?: string;
          inPlace?: boolean;
          verify?: boolean;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const out = createOut(o.json === true);
        if ((o.target === undefined) === (o.database === undefined))
          throw new AppError('usage', 'give either --target DIR (files) or --database JOB (a database)');
        const target = o.target;
        if (target !== undefined) {
          const r = await withAppFor(
            cmd,
            (app) => backupRestoreFiles(app, id, target, o.path ?? [], { verify: o.verify === true }),
            repoOpt(cmd),
          );
          out.record(
            r,
            (x) => `restored ${x.files} file(s), ${x.dirs} folder(s), ${mb(x.bytes)} into ${safe(x.target)}`,
          );
          return;
        }
        const job = o.database as string;
        const r = await withAppFor(
          cmd,
          (app) =>
            backupRestoreDatabase(app, id, job, {
              ...(o.into !== undefined ? { into: o.into } : {}),
              ...(o.inPlace === true ? { inPlace: true } : {}),
            }),
          repoOpt(cmd),
        );
        out.record(r, (x) =>
          [
            ...(x.safetySnapshot !== undefined ? [`safety snapshot ${x.safetySnapshot.slice(0, 8)} taken first`] : []),
            `restored snapshot ${x.snapshot.slice(0, 8)} of ${safe(x.job)} into ${safe(x.into)}${x.inPlace ? ' (in place)' : ''}`,
          ].join('\n'),
        );
      },
    );

  backup
    .command('drill')
    .description(
      "Restore drill: restores every job's newest snapshot somewhere temporary (scratch databases on the same servers, dropped after), " +
        'verifies hashes, row counts and integrity, reports how long each took and records the drill.',
    )
    .argument('[jobs...]', 'job names; default: all')
    .option('--json', 'print the report as JSON')
    .action(async (jobs: string[], o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(cmd, (app) => backupDrill(app, jobs), repoOpt(cmd));
      out.record(r, (x) =>
        [
          ...x.jobs.map(
            (j) =>
              `${j.ok ? 'ok    ' : 'FAILED'} ${safe(j.job)} (${j.kind}) ${j.snapshot?.slice(0, 8) ?? '-'} restored and verified in ${secs(j.durationMs)}` +
              (j.files !== undefined ? `: ${j.files} file(s), ${mb(j.bytes ?? 0)}` : '') +
              (j.tables !== undefined ? `: ${j.tables} table(s), ${j.rows} row(s)` : '') +
              j.problems.map((p) => `\n       ${safe(p)}`).join(''),
          ),
          x.ok ? 'drill passed' : 'drill FAILED (an alert was raised)',
        ].join('\n'),
      );
      if (!r.ok) process.exitCode = EXIT_FOUND;
    });

  backup
    .command('forget')
    .description(
      "Applies each job's keep rules (backup.jobs[].keep, like restic's --keep-last/hourly/daily/weekly/monthly/yearly) to that job's snapshots. " +
        'A snapshot kept by any rule stays; jobs without rules keep everything. The data goes only with --prune.',
    )
    .argument('[jobs...]', 'job names; default: all')
    .option('--dry-run', 'only show what would be forgotten')
    .option('--prune', 'prune the repository right after (deletes data no snapshot uses)')
    .option('--json', 'print the result as JSON')
    .action(async (jobs: string[], o: { dryRun?: boolean; prune?: boolean; json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await withAppFor(
        cmd,
        (app) => backupForget(app, { jobs, dryRun: o.dryRun === true, prune: o.prune === true }),
        repoOpt(cmd),
      );
      out.record(r, (x) =>
        [
          ...x.jobs.map((j) =>
            !j.hasRules
              ? `${safe(j.job)}: no keep rules, all snapshots kept`
              : `${safe(j.job)}: keep ${j.keep.length}, ${o.dryRun === true ? 'would forget' : 'forgot'} ${j.remove.length}` +
                j.remove.map((id) => `\n  - ${id.slice(0, 8)}`).join(''),
          ),
          ...(x.prune !== undefined
            ? [
                `pruned: ${x.prune.packsDeleted} pack(s) deleted, ${x.prune.packsRepacked} repacked, ${mb(x.prune.bytesFreed)} freed`,
              ]
            : []),
        ].join('\n'),
      );
    });

  registerCopy(program);
}
