// A real OpenSSH server for tests: `sshd -D -f <generated config>` on 127.0.0.1 and a free
// port, with a generated host key and a client key in authorized_keys, all in a temp folder.
// Skips (with a message) when sshd is not installed, and fails under CI=true.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** Why the sshd tests cannot run here, or null. Throws under CI=true (a missing server is a failure there). */
export function sshdMissing(): string | null {
  const missing = !existsSync(SSHD)
    ? `${SSHD} is not installed (Debian package openssh-server)`
    : spawnSync('which', ['ssh-keygen']).status !== 0
      ? 'ssh-keygen is not installed (Debian package openssh-client)'
      : null;
  if (missing !== null && process.env['CI'] === 'true') throw new Error(`CI=true: ${missing}`);
  return missing;
}

export function rcloneMissing(): string | null {
  const missing =
    spawnSync('which', ['rclone']).status !== 0 ? 'rclone is not installed (Debian package rclone)' : null;
  if (missing !== null && process.env['CI'] === 'true') throw new Error(`CI=true: ${missing}`);
  return missing;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

/** OpenSSH's fingerprint of a .pub file. */
function pubFingerprint(pubFile: string): string {
  const b64 = readFileSync(pubFile, 'utf8').trim().split(/\s+/)[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export interface TestSshd {
  dir: string;
  port: number;
  user: string;
  /** Client key (no passphrase) that authorized_keys accepts. */
  identityFile: string;
  hostKey: string;
  /** A folder on the server the tests may use. */
  home: string;
  /** Kills the server and every session it forked, then starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  /** Kills the server and its sessions (no restart). */
  kill(): void;
  stop(): Promise<void>;
}

/** Pids of every descendant of pid (read from /proc), deepest first. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const visit = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      visit(c);
      out.push(c);
    }
  };
  visit(pid);
  return out;
}

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-sshd-'));
  const home = join(dir, 'remote');
  mkdirSync(home);
  const hostKeyFile = join(dir, 'host_ed25519');
  const identityFile = join(dir, 'client_ed25519');
  keygen(hostKeyFile);
  keygen(identityFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`));
  // sshd wants its privilege separation folder when started as root.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const user = userInfo().username;
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `AllowUsers ${user}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child = c;
    for (let i = 0; i < 200; i++) {
      if (c.exitCode !== null) throw new Error(`sshd exited (${c.exitCode}): ${err}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`sshd did not listen on port ${port}: ${err}`);
  };
  const kill = (): void => {
    const c = child;
    if (c === null || c.pid === undefined) return;
    for (const pid of descendants(c.pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    c.kill('SIGKILL');
    child = null;
  };
  await start();
  return {
    dir,
    port,
    user,
    identityFile,
    hostKey: pubFingerprint(`${hostKeyFile}.pub`),
    home,
    kill,
    async restart(downMs = 300) {
      kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
