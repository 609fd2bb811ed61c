// Stored findings on PostgreSQL (statements shared with SQLite in ../findings-sql.ts); text
// with NUL is stored as U+2400, as in the traffic record.

import { SqlFindingStore } from '../findings-sql.ts';
import { pgText } from './text.ts';

export class PostgresFindingStore extends SqlFindingStore {
  protected text(s: string): string {
    return pgText(s);
  }
}
