// The installed entry point re-executes itself once with glibc's malloc settings (see
// bin/ripcord.js): same process id, same arguments and standard input, the variables set.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const bin = new URL('../../../bin/ripcord.js', import.meta.url).pathname;

/** The environment of a running process, or null once it is gone. */
function environOf(pid: number): Map<string, string> | null {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
    return new Map(raw.split('\0').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  } catch {
    return null;
  }
}

test('bin/ripcord.js replaces itself once with the malloc settings, keeping its pid, arguments and stdin', {
  skip: process.platform !== 'linux' ? 'reads /proc (Linux only)' : false,
}, async () => {
  const state = mkdtempSync(join(tmpdir(), 'ripcord-entry-'));
  try {
    const env = { ...process.env };
    for (const k of ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_']) delete env[k];
    // Reads standard input until it ends, so the process is there to look at meanwhile.
    const child = spawn(process.execPath, [bin, '--state-dir', state, 'ingest', '--format', 'nginx', '--json', '-'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pid = child.pid as number;
    let seen: Map<string, string> | null = null;
    for (let i = 0; i < 200 && seen?.get('MALLOC_ARENA_MAX') === undefined; i++) {
      seen = environOf(pid);
      await sleep(25);
    }
    assert.equal(seen?.get('MALLOC_ARENA_MAX'), '2', 'the process the test started now runs with the settings');
    assert.equal(seen?.get('MALLOC_MMAP_THRESHOLD_'), String(32 * 1024 * 1024));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(cmdline.includes('ingest') && cmdline.includes(bin), 'same arguments after the re-execution');
    child.stdin.end('1.2.3.4 - - [04/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\n');
    assert.equal(await exited, 0);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { lines?: number };
    assert.equal(result.lines, 1, 'standard input reached the re-executed process');
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});
