// `ripcord tokens create|list|revoke`: the HTTP API's bearer tokens. A token is shown once, at
// creation; only its SHA-256 is kept.

import type { Command } from 'commander';
import { createToken, listTokens, revokeToken, type TokenInfo } from '../../app/tokens.ts';
import { AppError } from '../../core/errors.ts';
import { isoTime, withAppFor } from '../context.ts';
import { createOut, safe, table } from '../output.ts';
import { wrapped } from '../help.ts';

const line = (t: TokenInfo): string[] => [
  safe(t.name),
  t.scope,
  isoTime(t.createdAt),
  t.lastUsedAt === null ? '-' : isoTime(t.lastUsedAt),
  t.revokedAt === null ? '-' : isoTime(t.revokedAt),
];

export function register(program: Command): void {
  const cmd = program
    .command('tokens')
    .summary('API tokens for the HTTP API (create, list, revoke)')
    .description('Bearer tokens for the HTTP API that `ripcord run` serves when http.listen is set.')
    .addHelpText(
      'after',
      wrapped(
        '\nExample: `ripcord tokens create dashboard --scope read`, then ' +
          '`curl -H "Authorization: Bearer rc_…" http://127.0.0.1:8484/api/v1/findings`. A read token sees ' +
          'everything; a write token can also act (acknowledge alerts, pause a campaign); every write is logged ' +
          'in <stateDir>/http-audit.jsonl with the token name.',
      ),
    );

  cmd
    .command('create')
    .description('Create a token; it is printed once and cannot be shown again.')
    .argument('<name>', 'who or what uses it (dashboard, developer-anna)')
    .option('--scope <scope>', 'read or write', 'read')
    .option('--json', 'one JSON object')
    .action(async (name: string, o: { scope: string; json?: boolean }, c: Command) => {
      if (o.scope !== 'read' && o.scope !== 'write') throw new AppError('usage', `--scope ${o.scope}: read or write`);
      const scope = o.scope;
      const out = createOut(o.json === true);
      const t = await withAppFor(c, (app) => createToken(app, name, scope));
      out.record(
        t,
        (x) => `${x.token}\n(token "${safe(x.name)}", ${x.scope}; shown only now: keep it in a password manager)`,
      );
    });

  cmd
    .command('list')
    .description('Every token: scope, when created, last used, revoked.')
    .option('--json', 'one JSON object per token')
    .action(async (o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const list = await withAppFor(c, listTokens);
      if (out.json) for (const t of list) out.record(t, () => '');
      else if (list.length === 0) out.text('no tokens (`ripcord tokens create NAME`)');
      else out.text(table(list.map(line), ['NAME', 'SCOPE', 'CREATED', 'LAST USED', 'REVOKED']));
    });

  cmd
    .command('revoke')
    .description('Revoke a token at once; it stays listed with the time.')
    .argument('<name>', 'the token name')
    .option('--json', 'one JSON object')
    .action(async (name: string, o: { json?: boolean }, c: Command) => {
      const out = createOut(o.json === true);
      const t = await withAppFor(c, (app) => revokeToken(app, name));
      out.record(t, (x) => `token ${safe(x.name)} revoked at ${isoTime(x.revokedAt ?? 0)}`);
    });
}
