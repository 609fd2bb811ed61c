// `ripcord backup copy --to NAME|LOCATION [SNAPSHOT...]`: copies snapshots to an off-site
// repository (another disk, an SFTP server, an rclone remote). Registers `copy` under the
// `backup` command, creating that command when no other module has.

import type { Command } from 'commander';
import { backupCopy } from '../../app/backup-copy.ts';
import { configFor } from '../context.ts';
import { createOut, safe } from '../output.ts';
import { progressBar } from '../progress.ts';
import { wrapped } from '../help.ts';

const HELP = `
Examples:
  ripcord backup copy --to storagebox                 every snapshot, to repository.offsite.storagebox
  ripcord backup copy --to /mnt/usb/ripcord latest    the newest snapshot, to a folder
  ripcord backup copy --to rclone:b2shop:bucket/ripcord

Only data the target lacks is sent. A target that does not exist yet is created, with its own
encryption key and passphrase: RIPCORD_TARGET_PASSPHRASE or RIPCORD_TARGET_PASSPHRASE_FILE, else
the off-site entry's passphrase/passphraseFile, else the repository's own passphrase.
An SFTP location given here needs --host-key (and --identity-file, or --password-env).
An interrupted copy is resumed by running it again.`;

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function register(program: Command): void {
  const backup =
    program.commands.find((c) => c.name() === 'backup') ??
    program
      .command('backup')
      .summary('backups of files and databases, and their off-site copies')
      .description('Backups of the shop: copies of snapshots to off-site repositories.')
      .option('--repo <location>', 'repository (default: repository.location / path in the config)');

  backup
    .command('copy')
    .description(
      'Copies snapshots (all, or those named) to another repository: a name from repository.offsite in ripcord.yml, ' +
        'a folder, sftp://user@host[:port]/folder or rclone:remote:path. Only missing data travels, re-encrypted for the target.',
    )
    .argument('[snapshots...]', "snapshot ids (or their first characters), or 'latest'; default: all")
    .requiredOption('--to <name|location>', 'the target repository')
    .option('--host-key <fingerprint>', 'SFTP location: the server host key, SHA256:... (ssh-keygen -lf)')
    .option('--identity-file <file>', 'SFTP location: private key file')
    .option('--password-env <var>', 'SFTP location: environment variable holding the password')
    .option('--rclone-config <file>', 'rclone location: the rclone config file defining the remote')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', wrapped(HELP))
    .action(
      async (
        ids: string[],
        o: {
          to: string;
          hostKey?: string;
          identityFile?: string;
          passwordEnv?: string;
          rcloneConfig?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const out = createOut(o.json === true);
        const bar = progressBar('copy', !out.json);
        const repo = cmd.optsWithGlobals<{ repo?: string }>().repo;
        let r: Awaited<ReturnType<typeof backupCopy>>;
        try {
          r = await backupCopy(
            configFor(cmd),
            { repo },
            {
              to: o.to,
              hostKey: o.hostKey,
              identityFile: o.identityFile,
              passwordEnv: o.passwordEnv,
              rcloneConfig: o.rcloneConfig,
            },
            ids,
            (p) =>
              bar.update(Math.round(p.bytes / 1024 / 1024), Math.round(p.bytesTotal / 1024 / 1024), {
                snapshots: `${p.snapshots}/${p.snapshotsTotal}`,
              }),
          );
        } finally {
          bar.stop();
        }
        out.record(r, (x) =>
          [
            ...(x.created ? [`created repository ${safe(x.target)} for copies (its own encryption key)`] : []),
            ...x.snapshots.map(
              (s) =>
                `${s.copied ? 'copied ' : 'already'} ${s.from.slice(0, 8)} -> ${s.to.slice(0, 8)}  ${s.time.replace(/\.\d+Z$/, 'Z')}`,
            ),
            `${x.snapshots.filter((s) => s.copied).length} snapshot(s) copied, ${x.snapshots.filter((s) => !s.copied).length} already there; ` +
              `${x.blobsCopied} blob(s) sent (${mb(x.bytesCopied)}), ${x.blobsSkipped} already there` +
              `${x.reencrypted ? ', re-encrypted for the target' : ''}${x.sameIds ? '' : ' (target has other id keys: every blob was read)'}`,
          ].join('\n'),
        );
      },
    );
}
