// Whether a process of this host is still running: the stale-lock test of the repository's
// locks and of a notice campaign's sender lock (restic's rule: same host and no such pid).

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
