// The syslog receiver (UDP and TCP, newline and octet-counted framing) and the journald
// source (driven through a stand-in journalctl that prints JSON entries).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyslogSource, TcpFramer } from '../../src/adapters/sources/syslog.ts';
import { JournaldSource, journalEntryToLine } from '../../src/adapters/sources/journald.ts';
import type { LineBatch } from '../../src/logs/sources.ts';

test('TCP framing: newline and octet counting, split anywhere', () => {
  const msgs = [
    '<34>1 2026-11-02T10:00:00Z web1 sshd 1 - - Accepted password for a from 192.0.2.1 port 1 ssh2',
    '<13>Nov  2 10:00:01 web1 sudo: x : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls',
  ];
  const stream = `${msgs[0]?.length} ${msgs[0]}${msgs[1]}\n`;
  for (let cut = 1; cut < stream.length; cut += 7) {
    const f = new TcpFramer();
    const out = [...f.push(stream.slice(0, cut)), ...f.push(stream.slice(cut))];
    assert.deepEqual(out, msgs, `cut at ${cut}`);
  }
});

test('syslog receiver takes messages over UDP and TCP', async () => {
  const got: string[] = [];
  const ac = new AbortController();
  let ports: { udp?: number; tcp?: number } = {};
  let done: Promise<void> = Promise.resolve();
  const ready = new Promise<void>((resolve) => {
    const src = new SyslogSource({
      id: 'syslog',
      listen: '127.0.0.1:0',
      protocol: 'both',
      onListening: (p) => {
        ports = p;
        resolve();
      },
    });
    done = src.run(null, async (b: LineBatch) => void got.push(...b.lines), ac.signal);
  });
  await ready;
  const udp = createSocket('udp4');
  await new Promise<void>((r) =>
    udp.send(
      '<38>Nov  2 10:00:00 web2 sshd[1]: Accepted publickey for deploy from 192.0.2.9 port 4 ssh2',
      ports.udp,
      '127.0.0.1',
      () => r(),
    ),
  );
  udp.close();
  const sock = connect(ports.tcp ?? 0, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.end('<38>Nov  2 10:00:01 web2 sshd[1]: Failed password for root from 192.0.2.10 port 5 ssh2\n');
  const end = Date.now() + 3000;
  while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  ac.abort();
  await done;
  assert.equal(got.length, 2);
  assert.ok(got.some((l) => l.includes('Accepted publickey')));
  assert.ok(got.some((l) => l.includes('Failed password')));
});

test('journal entries become syslog-style lines; byte-array messages are decoded', () => {
  const line = journalEntryToLine({
    MESSAGE: [65, 99, 99, 0xff],
    __REALTIME_TIMESTAMP: '1793613600000000',
    _HOSTNAME: 'web1',
    SYSLOG_IDENTIFIER: 'sshd',
    _PID: '77',
  });
  assert.equal(line, '2026-11-02T10:00:00.000Z web1 sshd[77]: Acc\ufffd');
  assert.equal(journalEntryToLine({ FOO: 1 }), null);
});

test('journald source resumes after the stored cursor', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ripcord-jd-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const fake = join(d, 'journalctl');
  // Prints two entries, or only the second after --after-cursor c1; records its arguments.
  writeFileSync(
    fake,
    `#!/bin/sh\necho "$@" > ${join(d, 'args')}\n` +
      `case "$*" in *after-cursor*) ;; *) echo '{"__CURSOR":"c1","MESSAGE":"Accepted password for a from 192.0.2.1 port 1 ssh2","SYSLOG_IDENTIFIER":"sshd","__REALTIME_TIMESTAMP":"1793613600000000"}';; esac\n` +
      `echo '{"__CURSOR":"c2","MESSAGE":"Failed password for b from 192.0.2.2 port 2 ssh2","SYSLOG_IDENTIFIER":"sshd","__REALTIME_TIMESTAMP":"1793613601000000"}'\n`,
  );
  chmodSync(fake, 0o755);
  const batches: LineBatch[] = [];
  await new JournaldSource({ id: 'j', units: ['ssh.service'], follow: false, command: fake }).run(
    null,
    async (b) => void batches.push(b),
    new AbortController().signal,
  );
  assert.equal(batches.flatMap((b) => b.lines).length, 2);
  assert.deepEqual(batches.at(-1)?.checkpoint, { cursor: 'c2' });
  const again: string[] = [];
  await new JournaldSource({ id: 'j', units: [], follow: false, command: fake }).run(
    { cursor: 'c1' },
    async (b) => void again.push(...b.lines),
    new AbortController().signal,
  );
  assert.equal(again.length, 1);
  assert.match(again[0] ?? '', /Failed password for b/);
});
