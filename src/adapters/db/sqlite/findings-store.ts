// Stored findings on SQLite (statements shared with PostgreSQL in ../findings-sql.ts).

import { SqlFindingStore } from '../findings-sql.ts';

export class SqliteFindingStore extends SqlFindingStore {
  protected text(s: string): string {
    return s;
  }
}
