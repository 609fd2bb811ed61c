// The incident record end to end through the CLI on the demo shop after its intrusion:
// declare freezes the evidence; the timeline holds the attacker's findings, logins and file
// changes with the requests before them; status lists the deadlines nearest first; a step is
// ticked once; the evidence export verifies, and fails after one byte is changed (in a folder
// and in a .tar.gz); the report names the cause and keeps attacker text as text; close keeps
// the lessons.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
const main = join(repoRoot, 'src/cli/main.ts');
const config = join(repoRoot, 'examples/demo-shop/ripcord.yml');
const ripcord = (...args: string[]) =>
  spawnSync(process.execPath, [main, '-c', config, ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
  });
const jsonLines = <T>(s: string): T[] =>
  s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

const attacker = '45.155.205.99';

function flipByte(file: string, at: number): void {
  const b = readFileSync(file);
  const i = Math.min(at, b.length - 1);
  b[i] = (b[i] ?? 0) ^ 0x01;
  writeFileSync(file, b);
}

test('an incident on the demo shop: declare, timeline, status, steps, evidence, report, close', {
  timeout: 300_000,
}, () => {
  const demo = spawnSync(process.execPath, [main, 'demo', '--no-follow', '--json'], {
    encoding: 'utf8',
    cwd: repoRoot,
  });
  assert.equal(demo.status, 0, demo.stderr);
  const tmp = mkdtempSync(join(tmpdir(), 'ripcord-incident-'));
  try {
    const d = ripcord(
      'incident',
      'declare',
      '--title',
      'Skimmer on checkout',
      '--facts',
      'examples/demo-shop/breach-facts.yml',
      '--json',
    );
    assert.equal(d.status, 0, d.stderr);
    const declared = JSON.parse(d.stdout) as {
      incident: { id: string; status: string };
      evidence: {
        counts: { requests: number; logins: number; findings: number; fileChanges: number };
        snapshot: string | null;
        files: { name: string }[];
      };
      obligations: { jurisdiction: string }[];
    };
    assert.equal(declared.incident.id, 'INC-1');
    assert.ok(declared.evidence.counts.requests > 1000, 'the traffic record of the window is frozen');
    assert.ok(declared.evidence.counts.findings > 10);
    assert.ok(declared.evidence.counts.fileChanges >= 2, 'the webshell and the skimmed script');
    assert.notEqual(declared.evidence.snapshot, null, 'the site as found is in the repository');
    const names = declared.evidence.files.map((f) => f.name);
    for (const n of ['requests.jsonl', 'logins.jsonl', 'findings.jsonl', 'file-changes.json'])
      assert.ok(names.includes(n), `${n} frozen`);
    assert.ok(
      names.some((n) => n.endsWith('cache.php')),
      'the webshell itself is kept as evidence',
    );
    assert.ok(declared.obligations.some((o) => o.jurisdiction === 'US-CA'));

    // The timeline: the attacker's findings, the logins, and the file changes with the requests before them.
    const t = ripcord('incident', 'timeline', '--json');
    assert.equal(t.status, 0, t.stderr);
    const entries = jsonLines<{
      time: number;
      kind: string;
      summary: string;
      ip?: string | null;
      requests?: { ip: string; method: string }[];
    }>(t.stdout);
    assert.ok(entries.some((e) => e.kind === 'finding' && e.ip === attacker));
    assert.ok(
      entries.some((e) => e.kind === 'login' && e.ip === attacker),
      'the SSH login from the attacker',
    );
    const shell = entries.find(
      (e) => e.kind === 'file-change' && e.summary.includes('cache.php') && e.summary.includes('malicious'),
    );
    assert.ok(shell, 'the webshell is a file change with malicious code');
    assert.ok(
      shell.requests?.some((q) => q.ip === attacker && q.method === 'POST'),
      'with the upload request before it',
    );
    assert.ok(entries.some((e) => e.kind === 'incident' && e.summary.includes('INC-1 declared')));
    for (let i = 1; i < entries.length; i++)
      assert.ok((entries[i - 1]?.time ?? 0) <= (entries[i]?.time ?? 0), 'in time order');

    // The people affected per jurisdiction from a notices audience, not the file's guesses.
    const csv = join(tmp, 'affected.csv');
    writeFileSync(
      csv,
      'email,name,country,region\na@example.com,A,US,CA\nb@example.com,B,US,CA\nc@example.de,C,DE,\nd@example.zz,D,Atlantis,\n',
    );
    assert.equal(ripcord('notices', 'audience', 'import', 'inc-affected', '--csv', csv).status, 0);
    const f = ripcord(
      'incident',
      'facts',
      'examples/demo-shop/breach-facts.yml',
      '--audience',
      'inc-affected',
      '--json',
    );
    assert.equal(f.status, 0, f.stderr);
    const facts = JSON.parse(f.stdout) as { affected: Record<string, number>; unplaced: number };
    assert.deepEqual(facts.affected, { 'US-CA': 2, 'EU-DE': 1 });
    assert.equal(facts.unplaced, 1, 'the person with no known jurisdiction is counted, not dropped');
    assert.equal(ripcord('incident', 'facts', 'examples/demo-shop/breach-facts.yml').status, 0);

    // Status: deadlines nearest first.
    const s = ripcord('incident', 'status', '--json');
    const status = JSON.parse(s.stdout) as {
      deadlines: { leftMs: number | null; jurisdiction: string }[];
      steps: { total: number; done: number };
    };
    const left = status.deadlines.map((x) => x.leftMs).filter((x): x is number => x !== null);
    assert.deepEqual(
      left,
      [...left].sort((a, b) => a - b),
    );
    assert.ok(status.deadlines.some((x) => x.jurisdiction === 'PCI'));
    assert.equal(status.steps.done, 0);

    // Steps: ticked once, with who and when.
    const steps = jsonLines<{ n: number; goal: string; command: string | null; due: string | null }>(
      ripcord('incident', 'steps', '--json').stdout,
    );
    assert.deepEqual([...new Set(steps.map((x) => x.goal))], ['find', 'fix', 'minimise', 'repair']);
    assert.ok(
      steps.some((x) => x.command === 'ripcord integrity revert --all'),
      'revert the changed files',
    );
    assert.ok(
      steps.some((x) => x.goal === 'minimise' && x.due !== null),
      'one step per notification duty',
    );
    const first = JSON.parse(ripcord('incident', 'step', 'done', '2', '--json').stdout) as {
      already: boolean;
      step: { done: { by: string } | null };
    };
    assert.equal(first.already, false);
    assert.ok(first.step.done !== null);
    const again = JSON.parse(ripcord('incident', 'step', 'done', '2', '--json').stdout) as { already: boolean };
    assert.equal(again.already, true);
    assert.equal(ripcord('incident', 'step', 'done', '999').status, 2);
    assert.equal(ripcord('incident', 'note', 'host', 'says', '<b>hi</b>').status, 0);

    // A restore shows in the timeline.
    const restoreTo = join(tmp, 'restored');
    const rr = ripcord('backup', 'restore', 'latest', '--target', restoreTo);
    assert.equal(rr.status, 0, rr.stderr);
    const after = jsonLines<{ kind: string; summary: string }>(
      ripcord('incident', 'timeline', '--kind', 'backup', '--json').stdout,
    );
    assert.ok(
      after.some((e) => e.summary.startsWith('restore: files restored to')),
      JSON.stringify(after),
    );

    // Evidence: an archive and a folder verify; one changed byte fails either.
    const archive = join(tmp, 'inc.tar.gz');
    assert.equal(ripcord('incident', 'evidence', 'export', '--out', archive).status, 0);
    const ok = ripcord('incident', 'evidence', 'verify', archive, '--json');
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { ok: boolean }).ok, true);
    flipByte(archive, 200);
    const bad = ripcord('incident', 'evidence', 'verify', archive, '--json');
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    const folder = join(tmp, 'inc-folder');
    assert.equal(ripcord('incident', 'evidence', 'export', '--out', folder).status, 0);
    assert.equal(ripcord('incident', 'evidence', 'verify', folder).status, 0);
    flipByte(join(folder, 'evidence', 'findings.jsonl'), 10);
    const badFolder = ripcord('incident', 'evidence', 'verify', folder, '--json');
    assert.equal(badFolder.status, 1);
    const v = JSON.parse(badFolder.stdout) as { problems: string[] };
    assert.ok(
      v.problems.some((p) => p.includes('findings.jsonl')),
      v.problems.join('; '),
    );
    assert.equal(
      ripcord('incident', 'evidence', 'verify').status,
      0,
      'the frozen evidence in the state folder is untouched',
    );

    // The report: the cause, and attacker text kept as text in HTML.
    const md = ripcord('incident', 'report');
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /## Cause/);
    assert.ok(md.stdout.includes(attacker));
    const html = join(tmp, 'report.html');
    assert.equal(ripcord('incident', 'report', '--format', 'html', '--out', html).status, 0);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h2[^>]*>Timeline<\/h2>/);
    assert.doesNotMatch(page, /<script/i, 'the XSS probe in the logs is not markup in the report');
    assert.doesNotMatch(page, /<b>hi<\/b>/);

    // Close with the lessons; a second close is refused.
    const c = ripcord(
      'incident',
      'close',
      '--lesson',
      'Patch Magento monthly',
      '--summary',
      'Webshell through the admin',
      '--json',
    );
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual((JSON.parse(c.stdout) as { lessons: string[] }).lessons, ['Patch Magento monthly']);
    assert.equal(ripcord('incident', 'close', '--id', 'INC-1').status, 9);
    const custody = readFileSync(folder.replace('inc-folder', 'inc-folder/custody.jsonl'), 'utf8');
    assert.match(custody, /"action":"frozen"/);
    assert.match(custody, /"action":"exported"/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

// Runs after the test above, on its (closed) incident.
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const pdftoppm = existsSync('/usr/bin/pdftoppm');
test('the report as a PDF through headless Chromium, its first page converted to PNG', {
  timeout: 120_000,
  skip:
    chromium === undefined || !pdftoppm
      ? "needs Debian's chromium and poppler-utils (pdftoppm): apt-get install chromium poppler-utils"
      : false,
}, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ripcord-pdf-'));
  try {
    const pdf = join(tmp, 'report.pdf');
    const r = ripcord('incident', 'report', '--id', 'INC-1', '--format', 'pdf', '--out', pdf);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(pdf).subarray(0, 5).toString('latin1'), '%PDF-');
    const png = spawnSync('/usr/bin/pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdf, join(tmp, 'page')], {
      encoding: 'utf8',
    });
    assert.equal(png.status, 0, png.stderr);
    const page = readFileSync(join(tmp, 'page-1.png'));
    assert.equal(page.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(page.length > 5000, `a page with text on it (${page.length} bytes)`);
    assert.equal(ripcord('incident', 'report', '--format', 'pdf').status, 2, '--format pdf needs --out');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
