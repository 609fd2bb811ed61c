// Config schema of the state store: embedded SQLite (default) or PostgreSQL.

import { z } from 'zod';

export const storeSchema = z
  .string()
  .default('sqlite')
  .describe(
    'Where Ripcord keeps its state: `sqlite` (a file in stateDir) or a postgres:// URL shared by several servers.',
  )
  .refine((s) => s === 'sqlite' || s.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(s), {
    message: 'must be `sqlite`, `sqlite:PATH` or a postgres:// URL',
  });
