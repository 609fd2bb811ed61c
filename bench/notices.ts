// Benchmark of sending customer notices: the command a user runs (`bin/ripcord.js notices send`,
// default pace settings except `rate: 0`, every message a rendered multipart notice recorded in
// the outbox) into Postfix's `smtp-sink` on loopback, and Postfix's own `smtp-source` pushing
// the same number of messages of the same size into the same sink in the same run: the ceiling
// of this machine and sink. Prints messages/s, the ratio, peak memory, and the outbox check
// (every recipient sent exactly once).
//
//   npm run bench -- notices [--recipients N] [--concurrency C]   (C: connections for both tools, default 16)
// Targets (issue 10): ≥ 1,000 messages/s, ≥ 30% of smtp-source, memory flat under 300 MB.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTool, printTable, ripcordNodeFlags, timed } from './tools.ts';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ripcord.js');
const vars = join(root, 'templates', 'notices', 'example-vars.yml');

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
}

const places = [
  ['US', 'CA'],
  ['US', 'NY'],
  ['US', 'MA'],
  ['DE', ''],
  ['FR', ''],
  ['GB', ''],
  ['CA', 'ON'],
  ['AU', ''],
];

function sink(port: number, extra: string[] = []): ChildProcess {
  const p = spawn('/usr/sbin/smtp-sink', ['-u', 'nobody', ...extra, `127.0.0.1:${port}`, '1024'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  spawnSync('sleep', ['0.3']);
  return p;
}

export default async function main(args: string[]): Promise<void> {
  const n = arg(args, '--recipients', 100_000);
  const conc = arg(args, '--concurrency', 16);
  if (!ensureTool('smtp-sink', 'postfix') && !ensureTool('/usr/sbin/smtp-sink', 'postfix')) {
    console.error('smtp-sink (Debian package postfix) is not available');
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-bench-notices-'));
  const port = 40_000 + (process.pid % 10_000);
  const node = [process.execPath, ...ripcordNodeFlags(root), bin, '--config', join(dir, 'ripcord.yml')];
  try {
    writeFileSync(
      join(dir, 'ripcord.yml'),
      [
        'stateDir: ./state',
        'notices:',
        `  smtp: { host: 127.0.0.1, port: ${port}, tls: none }`,
        '  from: "Harbor & Pine <privacy@harborandpine.example>"',
        '  unsubscribe: "mailto:privacy@harborandpine.example"',
        `  values: ${vars}`,
        '  rate: 0',
        `  concurrency: ${conc}`,
        '',
      ].join('\n'),
    );
    const rows = ['email,first_name,last_name,country,region'];
    for (let i = 0; i < n; i++) {
      const [country, region] = places[i % places.length] as [string, string];
      rows.push(`customer${i}@example.com,Customer,Number ${i},${country},${region}`);
    }
    writeFileSync(join(dir, 'customers.csv'), `${rows.join('\n')}\n`);
    const imp = timed([...node, 'notices', 'audience', 'import', 'all', '--csv', 'customers.csv'], {
      cwd: dir,
      oneCore: false,
    });
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
    const cre = timed(
      [...node, 'notices', 'campaign', 'create', '--audience', 'all', '--template', 'auto', '--name', 'b'],
      {
        cwd: dir,
        oneCore: false,
      },
    );
    if (cre.status !== 0) throw new Error(`campaign create failed: ${cre.stderr}`);

    // the size of one notice as sent, for smtp-source's -l: a test message into a dumping sink
    const dumpDir = join(dir, 'dump');
    mkdirSync(dumpDir, { mode: 0o777 });
    chmodSync(dumpDir, 0o777); // smtp-sink writes as nobody
    chmodSync(dir, 0o755);
    let s = sink(port, ['-D', join(dumpDir, 'one')]);
    const t = timed([...node, 'notices', 'test', 'b', '--to', 'size@example.com'], { cwd: dir, oneCore: false });
    s.kill();
    if (t.status !== 0) throw new Error(`test message failed: ${t.stderr}`);
    spawnSync('sleep', ['0.3']);
    const size = Math.max(1000, ...readdirSync(dumpDir).map((f) => statSync(join(dumpDir, f)).size));

    s = sink(port);
    const send = timed([...node, 'notices', 'send', 'b', '--json'], { cwd: dir, oneCore: false });
    s.kill();
    spawnSync('sleep', ['0.3']);
    if (send.status !== 0) throw new Error(`send failed (${send.status}): ${send.stderr.slice(0, 2000)}`);
    const result = JSON.parse(send.stdout) as { counts: Record<string, number> };

    s = sink(port);
    const src = timed(
      [
        '/usr/sbin/smtp-source',
        '-d',
        '-s',
        String(conc),
        '-m',
        String(n),
        '-l',
        String(size),
        '-f',
        'privacy@harborandpine.example',
        '-t',
        'customer@example.com',
        `127.0.0.1:${port}`,
      ],
      { oneCore: false },
    );
    s.kill();
    if (src.status !== 0) throw new Error(`smtp-source failed: ${src.stderr}`);

    const rate = (secs: number) => Math.round(n / secs);
    console.log(
      `\nnotices: ${n} recipients (8 jurisdictions, auto variants), message ≈ ${size} bytes, ${conc} connections, smtp-sink on loopback\n`,
    );
    printTable(
      [
        [
          'ripcord notices send',
          send.seconds.toFixed(1),
          rate(send.seconds),
          send.maxRssMb,
          String(result.counts['sent']),
        ],
        ['smtp-source (ceiling)', src.seconds.toFixed(1), rate(src.seconds), src.maxRssMb, String(n)],
      ],
      ['TOOL', 'SECONDS', 'MSG/S', 'PEAK MB', 'SENT'],
    );
    console.log(
      `\nratio ripcord/smtp-source: ${(src.seconds / send.seconds).toFixed(2)} (target ≥ 0.30); ` +
        `ripcord ${rate(send.seconds)} msg/s (target ≥ 1,000); peak ${send.maxRssMb} MB (target < 300)`,
    );
    console.log(
      `audience import ${imp.seconds.toFixed(1)} s (${imp.maxRssMb} MB), campaign create ${cre.seconds.toFixed(1)} s (${cre.maxRssMb} MB)`,
    );
    const ok = result.counts['sent'] === n && (result.counts['failed'] ?? 0) === 0;
    console.log(
      ok ? 'outbox: every recipient sent exactly once' : `outbox: NOT all sent: ${JSON.stringify(result.counts)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
