// `ripcord hook …`: entry points for other programs. `hook pam` is run by pam_exec on every
// session opened (SSH, FTP, su/sudo): it records the login and hands delivery to a detached
// child, and always exits 0 quickly, whatever happens (see docs/pam.md).

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { createOut } from '../output.ts';
import { globals, positiveInt } from '../context.ts';
import { loadConfig } from '../../app/config.ts';
import { hookDeliver, pamHook } from '../../app/alerts.ts';
import { wrapped } from '../help.ts';

export function register(program: Command): void {
  const hook = program
    .command('hook')
    .summary('entry points for other programs (PAM)')
    .description('Entry points called by other programs, such as pam_exec on every login. See docs/pam.md.');

  hook
    .command('pam')
    .description(
      'For pam_exec: on PAM_TYPE=open_session, records a login-success finding (user PAM_USER, address' +
        ' ' +
        'PAM_RHOST, service PAM_SERVICE) and starts delivery at once in a detached process. Other PAM_TYPEs' +
        ' ' +
        'are ignored. Always exits 0 within --timeout, so a broken Ripcord never blocks a login.',
    )
    .option('--timeout <ms>', 'give up recording after this many milliseconds', '2000')
    .option('--no-deliver', 'only record; leave delivery to `ripcord run`')
    .option('--json', 'print what was done as one JSON object (for debugging; pam_exec discards it with `quiet`)')
    .addHelpText(
      'after',
      wrapped(
        '\nIn /etc/pam.d/sshd (and vsftpd, proftpd, su, sudo):\n  session optional pam_exec.so quiet /usr/local/bin/ripcord hook pam',
      ),
    )
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      try {
        const g = globals(cmd);
        const loaded = loadConfig({ file: g.config, stateDir: g.stateDir });
        const script = process.argv[1] ?? '';
        const selfArgv = [
          process.execPath,
          ...process.execArgv,
          resolve(script),
          ...(loaded.file !== null ? ['--config', loaded.file] : []),
          '--state-dir',
          loaded.config.stateDir,
          'hook',
          'deliver',
        ];
        const r = await pamHook(loaded, process.env, {
          timeoutMs: positiveInt('--timeout', o['timeout'] as string | undefined, 2000),
          deliver: o['deliver'] !== false,
          selfArgv,
        });
        out.record(r, (v) =>
          v.recorded ? `recorded finding ${v.findingId}` : v.error ? `not recorded: ${v.error}` : 'nothing to do',
        );
      } catch (e) {
        // Never fail the login: report and exit 0.
        out.record(
          { recorded: false, error: e instanceof Error ? e.message : String(e) },
          (v) => `not recorded: ${v.error}`,
        );
      }
      process.exitCode = 0;
    });

  hook
    .command('deliver')
    .description(
      'One dispatch and delivery round now: queue what new findings call for and send what is due (started by `hook pam`).',
    )
    .option('--json', 'one JSON object')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const out = createOut(o['json'] === true);
      const g = globals(cmd);
      const r = await hookDeliver(loadConfig({ file: g.config, stateDir: g.stateDir }));
      out.record(r, (v) => `queued ${v.queued}, sent ${v.sent}, retried ${v.retried}, failed ${v.failed}`);
    });
}
