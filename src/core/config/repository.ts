// Config schema of the snapshot repository (`repository:`): where it is and how its passphrase
// is found. The passphrase itself should come from ${ENV} or a file, never be written here.

import { z } from 'zod';

export const repositorySchema = z
  .strictObject({
    path: z
      .string()
      .optional()
      .describe('Folder of the repository (default: <stateDir>/repository). `--repo DIR` overrides it.'),
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
  })
  .prefault({})
  .describe('The encrypted, deduplicated snapshot repository shared by integrity and backups.');

export type RepositoryConfig = z.infer<typeof repositorySchema>;
