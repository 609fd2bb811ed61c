// Config schema of the snapshot repository (`repository:`): where it is and how its passphrase
// is found. The passphrase itself should come from ${ENV} or a file, never be written here.

import { z } from 'zod';
import { locationOptionsSchema, type LocationParser } from './backends.ts';

const passphraseFields = {
  passphrase: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Passphrase of the repository; write `${RIPCORD_PASSPHRASE}` or similar, not the passphrase itself. The RIPCORD_PASSPHRASE environment variable also works.',
    ),
  passphraseFile: z
    .string()
    .optional()
    .describe(
      'File holding the passphrase (first line), readable only by the Ripcord user. RIPCORD_PASSPHRASE_FILE also works.',
    ),
};

const locationText = z
  .string()
  .min(1)
  .describe(
    'Where the repository is: a folder, `sftp://user@host[:port]/folder` (needs hostKey), or `rclone:remote:path` (a remote of the rclone config).',
  );

/** An off-site copy of the repository (`ripcord backup copy --to NAME`, or a job's `offsite`); locations read by `parseLocation`. */
const offsiteSchemaOf = (parseLocation: LocationParser) =>
  z
    .strictObject({
      location: locationText,
      ...locationOptionsSchema,
      passphrase: passphraseFields.passphrase.describe(
        "Passphrase of the off-site repository (write `${SOME_ENV}`); default: the main repository's passphrase.",
      ),
      passphraseFile: passphraseFields.passphraseFile.describe(
        "File holding the off-site repository's passphrase; default: the main repository's passphrase.",
      ),
    })
    .superRefine((o, ctx) => {
      const p = parseLocation(o.location, o);
      if (!p.ok) ctx.addIssue({ code: 'custom', path: [p.field ?? 'location'], message: p.message });
    })
    .describe('A second repository that snapshots are copied to: another disk, an SFTP server or an rclone remote.');

/** The `repository:` section; locations are read by `parseLocation` (the backends' registry). */
export const repositorySchemaOf = (parseLocation: LocationParser) =>
  z
    .strictObject({
      path: z
        .string()
        .optional()
        .describe('Folder of the repository (default: <stateDir>/repository). `--repo DIR` overrides it.'),
      location: locationText
        .optional()
        .describe(
          'Instead of path: where the repository is, as a folder, `sftp://user@host[:port]/folder` (needs hostKey) or `rclone:remote:path`. `--repo LOCATION` overrides it.',
        ),
      ...locationOptionsSchema,
      ...passphraseFields,
      compression: z
        .number()
        .int()
        .min(0)
        .max(19)
        .default(3)
        .describe('zstd level for new repositories (0 = off). Set at `repo init`.'),
      staleLockMinutes: z
        .number()
        .positive()
        .default(30)
        .describe('A lock not refreshed for this long is stale, whichever host holds it.'),
      offsite: z
        .record(
          z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
          offsiteSchemaOf(parseLocation),
        )
        .default({})
        .describe(
          'Named off-site repositories that `ripcord backup copy --to NAME` (and a backup job naming them) copy snapshots to.',
        ),
    })
    .superRefine((r, ctx) => {
      if (r.path !== undefined && r.location !== undefined)
        ctx.addIssue({ code: 'custom', path: ['location'], message: 'give path or location, not both' });
      if (r.location !== undefined) {
        const p = parseLocation(r.location, r);
        if (!p.ok) ctx.addIssue({ code: 'custom', path: [p.field ?? 'location'], message: p.message });
      }
    })
    .prefault({})
    .describe('The encrypted, deduplicated snapshot repository shared by integrity and backups.');
