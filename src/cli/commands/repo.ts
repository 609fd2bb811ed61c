// `ripcord repo ...`: the encrypted snapshot repository that integrity and backups share —
// create it, check it, list and forget snapshots, prune, manage passphrases and stale locks.

import type { Command } from 'commander';
import { AppError, EXIT_FOUND } from '../../core/errors.ts';
import {
  repoCheck,
  repoForget,
  repoForgetIds,
  repoInit,
  repoKeyAdd,
  repoKeyList,
  repoKeyRemove,
  repoLocks,
  repoLs,
  repoPrune,
  repoRestore,
  repoSnapshot,
  repoSnapshots,
  repoStats,
  repoUnlock,
  type RepoTarget,
} from '../../app/repo.ts';
import { configFor } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { wrapped } from '../help.ts';

const PASSPHRASE_HELP = `
The passphrase is read from RIPCORD_PASSPHRASE, or the file named by RIPCORD_PASSPHRASE_FILE,
or repository.passphrase / repository.passphraseFile in ripcord.yml. Never from the command line.
The repository is repository.path in ripcord.yml (default <stateDir>/repository), or --repo DIR.`;

function target(cmd: Command): RepoTarget {
  const o = cmd.optsWithGlobals<{ repo?: string }>();
  return { repo: o.repo };
}

const mb = (n: number): string =>
  n >= 1024 * 1024 * 1024
    ? `${(n / 1024 ** 3).toFixed(2)} GiB`
    : n >= 1024 * 1024
      ? `${(n / 1024 ** 2).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(1)} KiB`;

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new AppError('usage', `${flag}: "${v}" is not a whole number >= 0`);
  return n;
}

/** `ripcord repo` and its subcommands, one function each. */
export function register(program: Command): void {
  const repo = program
    .command('repo')
    .summary('the encrypted snapshot repository (known-good copies and backups)')
    .description(
      'The encrypted, deduplicated repository that keeps known-good copies of the site files (integrity) ' +
        'and the backups. Content is split into chunks, stored once, compressed and encrypted.',
    )
    .option('--repo <dir>', 'repository folder (default: repository.path in the config, or <stateDir>/repository)')
    .addHelpText('after', wrapped(PASSPHRASE_HELP));
  initCommand(repo);
  checkCommand(repo);
  statsCommand(repo);
  snapshotsCommand(repo);
  snapshotCommand(repo);
  lsCommand(repo);
  restoreCommand(repo);
  forgetCommand(repo);
  pruneCommand(repo);
  unlockCommand(repo);
  locksCommand(repo);
  keyCommands(repo);
}

/** `repo init`. */
function initCommand(repo: Command): void {
  repo
    .command('init')
    .description('Creates a new, empty repository protected by the passphrase. Refuses if one exists there.')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', wrapped(PASSPHRASE_HELP))
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoInit(configFor(cmd), target(cmd));
      out.record(
        r,
        (x) =>
          `created repository ${x.id.slice(0, 8)} at ${safe(x.location)}\nKeep the passphrase safe: without it the data cannot be read by anyone, including you.`,
      );
    });
}

/** `repo check`. */
function checkCommand(repo: Command): void {
  repo
    .command('check')
    .description('Checks that every snapshot, index and pack is complete and readable. Exit 1 when a problem is found.')
    .option('--read-data', 'also read every pack and verify every blob (slower: reads the whole repository)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean; readData?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoCheck(configFor(cmd), target(cmd), o.readData === true);
      out.record(r, (x) =>
        [
          ...x.warnings.map((w) => `warning: ${safe(w)}`),
          ...x.errors.map((e) => `error: ${safe(e)}`),
          `${x.ok ? 'no errors' : `${x.errors.length} error(s)`}: ${x.snapshots} snapshot(s), ${x.packs} pack(s), ${x.blobs} blob(s)${o.readData === true ? `, ${x.packsRead} pack(s) read` : ''}`,
        ].join('\n'),
      );
      if (!r.ok) process.exitCode = EXIT_FOUND;
    });
}

/** `repo stats`. */
function statsCommand(repo: Command): void {
  repo
    .command('stats')
    .description('Sizes: snapshots, packs, blobs, bytes stored and what the snapshots would take as plain copies.')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const s = await repoStats(configFor(cmd), target(cmd));
      out.record(s, (x) =>
        table([
          ['snapshots', String(x.snapshots)],
          ['packs', String(x.packs)],
          ['blobs', String(x.blobs)],
          ['stored', mb(x.storedBytes)],
          ['content (unique, uncompressed)', mb(x.rawBytes)],
          ['all snapshots as plain copies', mb(x.snapshotBytes)],
          ['saving', x.snapshotBytes > 0 ? `${(100 * (1 - x.storedBytes / x.snapshotBytes)).toFixed(1)}%` : '-'],
          ['keys', String(x.keys)],
        ]),
      );
    });
}

/** `repo snapshots`. */
function snapshotsCommand(repo: Command): void {
  repo
    .command('snapshots')
    .description('Lists the snapshots, oldest first.')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const list = await repoSnapshots(configFor(cmd), target(cmd));
      if (out.json) for (const s of list) out.record(s, () => '');
      else if (list.length === 0) out.note('no snapshots');
      else
        out.text(
          table(
            list.map((s) => [
              s.id.slice(0, 8),
              s.time.replace(/\.\d+Z$/, 'Z'),
              safe(s.host),
              safe(s.tags.join(',')),
              String(s.summary.files),
              mb(s.summary.bytes),
              safe(s.roots.join(' ')),
            ]),
            ['id', 'time', 'host', 'tags', 'files', 'size', 'roots'],
          ),
        );
    });
}

/** `repo snapshot`. */
function snapshotCommand(repo: Command): void {
  repo
    .command('snapshot')
    .description(
      'Takes a snapshot of folders or files now (backups and integrity baselines do this for you). With --stdin NAME, stores standard input (e.g. a database dump) as one file.',
    )
    .argument('[paths...]', 'folders or files to snapshot')
    .option('--tag <tag...>', 'tags to put on the snapshot')
    .option('--parent <id>', 'compare with this snapshot (default: the newest of the same paths)')
    .option('--stdin <name>', 'read the content from standard input, stored under this name')
    .option('--json', 'print the result as JSON')
    .action(
      async (paths: string[], o: { json?: boolean; tag?: string[]; parent?: string; stdin?: string }, cmd: Command) => {
        const out = createOut(o.json === true);
        if (paths.length === 0 && o.stdin === undefined)
          throw new AppError('usage', 'give at least one path, or --stdin NAME');
        // Progress on a terminal only: one line, rewritten in place, on stderr.
        const progress =
          process.stderr.isTTY && !out.json
            ? (p: { files: number; bytes: number }) => process.stderr.write(`\r${p.files} files, ${mb(p.bytes)} `)
            : undefined;
        const r = await repoSnapshot(configFor(cmd), target(cmd), paths, {
          tags: o.tag ?? [],
          parent: o.parent,
          stdinName: o.stdin,
          onProgress: progress,
        });
        if (progress !== undefined) process.stderr.write('\r\x1b[K');
        out.record(
          r,
          (x) =>
            `snapshot ${x.id.slice(0, 8)} saved: ${x.summary.files} files, ${x.summary.dirs} folders, ${mb(x.summary.bytes)} (${mb(x.summary.newBytes)} new, ${mb(x.summary.storedBytes)} added) in ${(x.summary.durationMs / 1000).toFixed(1)} s`,
        );
      },
    );
}

/** `repo ls`. */
function lsCommand(repo: Command): void {
  repo
    .command('ls')
    .description('Lists the files of a snapshot (names are shown escaped: they may come from an attacker).')
    .argument('<snapshot>', "snapshot id (or its first characters), or 'latest'")
    .argument('[path]', 'only this file or folder (relative to the snapshot root)')
    .option('--json', 'one JSON object per line')
    .action(async (id: string, path: string | undefined, o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoLs(configFor(cmd), target(cmd), id, path);
      if (out.json) for (const e of r.entries) out.record(e, () => '');
      else
        out.text(
          table(
            r.entries.map((e) => [
              e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : e.type === 'file' ? '-' : (e.type[0] ?? '?'),
              e.mode,
              `${e.uid}:${e.gid}`,
              String(e.size),
              e.mtime.replace(/\.\d+Z$/, 'Z'),
              `${safe(e.path)}${e.target !== undefined ? ` -> ${safe(e.target)}` : ''}`,
            ]),
            ['t', 'mode', 'owner', 'size', 'modified', 'path'],
          ),
        );
    });
}

/** `repo restore`. */
function restoreCommand(repo: Command): void {
  repo
    .command('restore')
    .description('Restores a whole snapshot into a folder (which should be empty or new).')
    .argument('<snapshot>', "snapshot id (or its first characters), or 'latest'")
    .requiredOption('--target <dir>', 'folder to restore into')
    .option('--verify', 'also read big restored files back from disk and check their whole SHA-256')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, o: { json?: boolean; target: string; verify?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoRestore(configFor(cmd), target(cmd), id, o.target, { verify: o.verify === true });
      out.record(
        r,
        (x) => `restored snapshot ${x.id.slice(0, 8)}: ${x.files} files, ${x.dirs} folders, ${mb(x.bytes)}`,
      );
    });
}

/** `repo forget`. */
function forgetCommand(repo: Command): void {
  repo
    .command('forget')
    .description(
      'Removes snapshots: those named, or all but those the keep rules keep (per host and set of paths). ' +
        'Their data stays until `ripcord repo prune`. Example: ripcord repo forget --keep-daily 7 --keep-weekly 4',
    )
    .argument('[snapshots...]', 'snapshot ids to remove (instead of keep rules)')
    .option('--keep-last <n>', 'keep the newest N snapshots')
    .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last N hours that have one')
    .option('--keep-daily <n>', 'keep one per day for the last N days that have one')
    .option('--keep-weekly <n>', 'keep one per week for the last N weeks that have one')
    .option('--keep-monthly <n>', 'keep one per month for the last N months that have one')
    .option('--keep-yearly <n>', 'keep one per year for the last N years that have one')
    .option('--tag <tag...>', 'only consider snapshots with these tags')
    .option('--host <host>', 'only consider snapshots of this host')
    .option('--dry-run', 'only show what would be removed')
    .option('--prune', 'prune right after')
    .option('--json', 'one JSON object per line')
    .action(async (ids: string[], o: Record<string, string | string[] | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const loaded = configFor(cmd);
      const t = target(cmd);
      const s = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
      if (ids.length > 0) {
        if (o['dryRun'] === true) throw new AppError('usage', '--dry-run works with keep rules, not with snapshot ids');
        for (const x of await repoForgetIds(loaded, t, ids))
          out.record({ removed: x.id, time: x.time }, (v) => `removed ${v.removed.slice(0, 8)} (${v.time})`);
      } else {
        const rules = {
          ...(count('--keep-last', s('keepLast')) !== undefined
            ? { last: count('--keep-last', s('keepLast')) as number }
            : {}),
          ...(count('--keep-hourly', s('keepHourly')) !== undefined
            ? { hourly: count('--keep-hourly', s('keepHourly')) as number }
            : {}),
          ...(count('--keep-daily', s('keepDaily')) !== undefined
            ? { daily: count('--keep-daily', s('keepDaily')) as number }
            : {}),
          ...(count('--keep-weekly', s('keepWeekly')) !== undefined
            ? { weekly: count('--keep-weekly', s('keepWeekly')) as number }
            : {}),
          ...(count('--keep-monthly', s('keepMonthly')) !== undefined
            ? { monthly: count('--keep-monthly', s('keepMonthly')) as number }
            : {}),
          ...(count('--keep-yearly', s('keepYearly')) !== undefined
            ? { yearly: count('--keep-yearly', s('keepYearly')) as number }
            : {}),
          ...(Array.isArray(o['tag']) ? { tags: o['tag'] } : {}),
          ...(s('host') !== undefined ? { host: s('host') as string } : {}),
          dryRun: o['dryRun'] === true,
        };
        const r = await repoForget(loaded, t, rules);
        for (const x of r.keep)
          out.record({ action: 'keep', id: x.id, time: x.time }, (v) => `keep    ${v.id.slice(0, 8)}  ${v.time}`);
        for (const x of r.remove)
          out.record(
            { action: o['dryRun'] === true ? 'would-remove' : 'remove', id: x.id, time: x.time },
            (v) => `${v.action === 'remove' ? 'removed' : 'would remove'} ${v.id.slice(0, 8)}  ${v.time}`,
          );
      }
      if (o['prune'] === true && o['dryRun'] !== true) {
        const p = await repoPrune(loaded, t, false);
        out.record(
          { prune: p },
          (v) =>
            `pruned: ${v.prune.packsDeleted} pack(s) deleted, ${v.prune.packsRepacked} repacked, ${mb(v.prune.bytesFreed)} freed`,
        );
      }
    });
}

/** `repo prune`. */
function pruneCommand(repo: Command): void {
  repo
    .command('prune')
    .description(
      'Deletes data that no snapshot uses any more (after forget), and leftovers of interrupted runs. Takes an exclusive lock: no snapshot can run meanwhile.',
    )
    .option('--dry-run', 'only show what would be deleted')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean; dryRun?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoPrune(configFor(cmd), target(cmd), o.dryRun === true);
      out.record(
        r,
        (x) =>
          `${o.dryRun === true ? 'would delete' : 'deleted'} ${x.packsDeleted} pack(s), repack ${x.packsRepacked}, keep ${x.packsKept}; ${x.blobsRemoved} blob(s), ${mb(x.bytesFreed)} freed`,
      );
    });
}

/** `repo unlock`. */
function unlockCommand(repo: Command): void {
  repo
    .command('unlock')
    .description(
      'Removes stale locks: those of processes that are gone (on this host) or that were not refreshed for repository.staleLockMinutes.',
    )
    .option('--remove-all', 'remove every lock, also live ones (only when you are sure nothing uses the repository)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean; removeAll?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoUnlock(configFor(cmd), target(cmd), o.removeAll === true);
      out.record(
        r,
        (x) =>
          `removed ${x.removed} lock(s)${x.temporaryFiles > 0 ? ` and ${x.temporaryFiles} leftover temporary file(s)` : ''}`,
      );
    });
}

/** `repo locks`. */
function locksCommand(repo: Command): void {
  repo
    .command('locks')
    .description('Lists the locks: who holds the repository now, and which locks are stale.')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const list = await repoLocks(configFor(cmd), target(cmd));
      if (out.json) for (const l of list) out.record(l, () => '');
      else if (list.length === 0) out.note('no locks');
      else
        out.text(
          table(
            list.map((l) => [
              l.id.slice(0, 8),
              l.exclusive ? 'exclusive' : 'shared',
              safe(l.host),
              String(l.pid),
              l.time,
              l.stale ? 'stale' : 'live',
            ]),
            ['id', 'kind', 'host', 'pid', 'time', 'state'],
          ),
        );
    });
}

/** The `repo key add|list|remove` commands. */
function keyCommands(repo: Command): void {
  const key = repo
    .command('key')
    .summary('passphrases that open the repository')
    .description('Passphrases: each wraps the same master key, so any of them opens the repository.');
  key
    .command('add')
    .description(
      'Adds a passphrase (read from --new-passphrase-file or RIPCORD_NEW_PASSPHRASE). The current one comes from the usual place.',
    )
    .option('--new-passphrase-file <file>', 'file whose first line is the new passphrase')
    .option('--json', 'print the result as JSON')
    .action(async (o: { json?: boolean; newPassphraseFile?: string }, cmd: Command) => {
      const out = createOut(o.json === true);
      const r = await repoKeyAdd(configFor(cmd), target(cmd), o.newPassphraseFile);
      out.record(r, (x) => `added key ${x.id.slice(0, 8)}`);
    });
  key
    .command('list')
    .description('Lists the keys; * marks the one that opened the repository now.')
    .option('--json', 'one JSON object per line')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const out = createOut(o.json === true);
      const list = await repoKeyList(configFor(cmd), target(cmd));
      if (out.json) for (const k of list) out.record(k, () => '');
      else
        out.text(
          table(
            list.map((k) => [`${k.current ? '*' : ' '}${k.id.slice(0, 8)}`, k.created, safe(k.username), safe(k.host)]),
            [' id', 'created', 'user', 'host'],
          ),
        );
    });
  key
    .command('remove')
    .description('Removes a passphrase (not the one in use now).')
    .argument('<id>', 'key id or its first characters')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      await repoKeyRemove(configFor(cmd), target(cmd), id);
      process.stdout.write(`removed key ${safe(id)}\n`);
    });
}
