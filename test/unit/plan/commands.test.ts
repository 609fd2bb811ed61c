// Every command the plan tells the owner to run exists: each `ripcord ...` line of a rendered
// plan is looked up in the real command line (subcommands and their options), so a renamed
// command or flag fails here before it fails someone in an emergency.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkConfig } from '../../../src/app/config.ts';
import { buildProgram } from '../../../src/cli/main.ts';
import { commandsFor } from '../../../src/cli/commands/index.ts';
import { defaultDataDir, loadRules } from '../../../src/obligations/index.ts';
import { configDocument, parseAnswers, renderPlan } from '../../../src/plan/index.ts';

const dir = resolve(import.meta.dirname, '../../../templates/plan');

/** The command a line names, and the options it uses that the command does not know. */
function lookUp(program: Command, line: string): { path: string; unknown: string[]; strayWord: string | null } {
  const words = line.split(/\s+/).slice(1);
  let cmd = program;
  const path: string[] = [];
  for (const w of words) {
    const sub = cmd.commands.find((c) => c.name() === w);
    if (sub === undefined) break;
    cmd = sub;
    path.push(w);
  }
  const known = new Set<string>();
  for (let c: Command | null = cmd; c !== null; c = c.parent) for (const o of c.options) known.add(o.long ?? '');
  const unknown = words.filter((w) => w.startsWith('--') && !known.has(w));
  // A word after the command that is no option must be one of its arguments (a mistyped
  // subcommand is not).
  const next = words[path.length];
  const strayWord = next !== undefined && !next.startsWith('-') && cmd.registeredArguments.length === 0 ? next : null;
  return { path: path.join(' '), unknown, strayWord };
}

test('every command in the plan exists, with the options it is given', async () => {
  const program = buildProgram(await commandsFor([]));
  for (const platform of ['magento2', 'woocommerce', 'custom'] as const) {
    const a = parseAnswers(
      {
        platform,
        files: { root: '/srv/shop' },
        alerts: { email: 'o@shop.example' },
        offsite: { location: '/mnt/usb' },
        customers: { countries: ['US', 'DE'], regions: ['US-CA'] },
      },
      'test',
    );
    const c = checkConfig(configDocument(a));
    assert.ok(c.ok);
    const p = await renderPlan(
      {
        answers: a,
        config: c.config,
        configFile: 'ripcord.yml',
        answersFile: 'plan.answers.yml',
        rules: loadRules(defaultDataDir),
        notices: [{ name: 'california', title: 't', description: 'd' }],
        drills: [],
        lessons: [],
        patchFirst: { checked: false, items: [] },
        now: Date.parse('2026-12-01T00:00:00Z'),
      },
      {
        markdown: readFileSync(join(dir, 'plan.md.liquid'), 'utf8'),
        html: readFileSync(join(dir, 'plan.html.liquid'), 'utf8'),
      },
    );
    const lines = [...p.markdown.matchAll(/`(ripcord [^`]+)`/g)].map((m) => m[1] as string);
    assert.ok(lines.length > 20, `${lines.length} commands`);
    for (const line of lines) {
      if (/^ripcord COMMAND/.test(line)) continue;
      const r = lookUp(program, line);
      assert.notEqual(r.path, '', `${line}: no such command`);
      assert.deepEqual(r.unknown, [], `${line}: unknown options`);
      assert.equal(r.strayWord, null, `${line}: not a command`);
    }
  }
});
