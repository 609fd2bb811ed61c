// Config schema of the snapshot repository (`repository:`). Filled in by the snapshots subsystem.

import { z } from 'zod';

export const repositorySchema = z.strictObject({}).optional().describe('The encrypted, deduplicated snapshot repository.');
