// Config schema of file integrity (`integrity:`). Filled in by the integrity subsystem.

import { z } from 'zod';

export const integritySchema = z.strictObject({}).optional().describe('Which site files are watched and how often they are checked.');
