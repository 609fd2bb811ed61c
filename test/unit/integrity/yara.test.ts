// YARA rule files run by Debian's `yara` beside the shipped rules: its output lines are parsed
// (any meta, any path), only files the scan walked are reported, a name holding a line break is
// still matched under its own name, and a broken rule file or a missing yara is a clear config
// error. The runs need the yara command: skipped with a note when it is missing, failed under CI.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { AppError } from '../../../src/core/errors.ts';
import { yaraScan } from '../../../src/adapters/yara/yara.ts';
import { parseYaraLine } from '../../../src/integrity/index.ts';
import { tempDir } from './helpers.ts';

const haveYara = spawnSync('yara', ['--version'], { stdio: 'ignore' }).status === 0;
const needYara =
  haveYara || process.env['CI'] === 'true' ? {} : { skip: 'the yara command is not installed (Debian: yara)' };

const RULES = `rule shop_webshell_marker : shop
{
  meta:
    description = "a \\"test\\" [marker], with a comma"
    category = "webshell"
    severity = "critical"
    version = 2
  strings:
    $a = "ripcord-yara-marker-7"
  condition:
    $a
}
rule card_grabber_marker
{
  strings:
    $b = "ripcord-yara-card-9"
  condition:
    $b
}
`;

describe('yara output lines', () => {
  it('reads rule, meta and a path with spaces and brackets', () => {
    assert.deepEqual(parseYaraLine('shop_x [description="a \\"b\\" [c], d",n =2,ok=true] /srv/shop/a b] [c.php'), {
      rule: 'shop_x',
      meta: { description: 'a "b" [c], d', n: '2', ok: 'true' },
      path: '/srv/shop/a b] [c.php',
    });
    assert.deepEqual(parseYaraLine('plain_rule /srv/x.php'), { rule: 'plain_rule', meta: {}, path: '/srv/x.php' });
    assert.deepEqual(parseYaraLine('no_meta [] /srv/[] x.php'), { rule: 'no_meta', meta: {}, path: '/srv/[] x.php' });
    for (const junk of ['', 'warning: slow rule', '1bad /x', 'r [broken /x', 'r [k="v"]'])
      assert.equal(parseYaraLine(junk), null, junk);
  });

  it('any rule, meta and path printed as yara prints them is read back the same', () => {
    const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/);
    const value = fc.string({ maxLength: 30 }).filter((v) => !/[\n\r]/.test(v));
    const path = fc.string({ minLength: 1, maxLength: 40 }).map((p) => `/${p.replace(/[\n\r]/g, '_')}`);
    fc.assert(
      fc.property(ident, fc.dictionary(ident, value, { maxKeys: 4 }), path, (rule, meta, p) => {
        const keys = Object.keys(meta);
        const quoted = keys.map((k) => `${k}="${(meta[k] as string).replace(/[\\"]/g, (c) => `\\${c}`)}"`);
        const line = `${rule} [${quoted.join(',')}] ${p}`;
        assert.deepEqual(parseYaraLine(line), { rule, meta: Object.fromEntries(Object.entries(meta)), path: p });
      }),
    );
  });
});

describe('yara runs', () => {
  it('reports matches of walked files only, with category and severity from the meta', needYara, async () => {
    const dir = tempDir();
    const site = join(dir, 'site');
    mkdirSync(join(site, 'media'), { recursive: true });
    writeFileSync(join(dir, 'shop.yar'), RULES);
    writeFileSync(join(site, 'media', 'shell one.php'), '<?php // ripcord-yara-marker-7');
    writeFileSync(join(site, 'skin.js'), '/* ripcord-yara-card-9 */');
    writeFileSync(join(site, 'not-walked.php'), '<?php // ripcord-yara-marker-7');
    writeFileSync(join(site, 'clean.php'), '<?php echo 1;');
    const newline = join(site, 'evil\nshop_webshell_marker clean.php');
    writeFileSync(newline, 'ripcord-yara-marker-7');
    const walked = new Set([
      join(site, 'media', 'shell one.php'),
      join(site, 'skin.js'),
      join(site, 'clean.php'),
      newline,
    ]);
    const found = await yaraScan(
      { rules: [join(dir, 'shop.yar')], binary: 'yara', timeoutSeconds: 30 },
      [site],
      walked,
    );
    const got = found.map((f) => `${f.rule} ${f.category} ${f.severity} ${f.path}`).sort();
    assert.deepEqual(got, [
      `yara:card_grabber_marker skimmer high ${join(site, 'skin.js')}`,
      `yara:shop_webshell_marker webshell critical ${newline}`,
      `yara:shop_webshell_marker webshell critical ${join(site, 'media', 'shell one.php')}`,
    ]);
    const shell = found.find((f) => f.path.endsWith('shell one.php'));
    assert.equal(shell?.description, 'a "test" [marker], with a comma');
  });

  it('a broken rule file and a missing yara are config errors naming them', needYara, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.yar'), 'rule broken { strings: $a = "x" condition: $b }');
    await assert.rejects(
      yaraScan({ rules: [join(dir, 'broken.yar')], binary: 'yara', timeoutSeconds: 30 }, [dir], new Set()),
      (e: unknown) => e instanceof AppError && e.code === 'config_invalid' && (e.where ?? '').includes('broken.yar'),
    );
    await assert.rejects(
      yaraScan({ rules: [join(dir, 'gone.yar')], binary: 'yara', timeoutSeconds: 30 }, [dir], new Set()),
      (e: unknown) => e instanceof AppError && e.code === 'config_invalid' && (e.where ?? '').includes('gone.yar'),
    );
    writeFileSync(join(dir, 'ok.yar'), RULES);
    await assert.rejects(
      yaraScan({ rules: [join(dir, 'ok.yar')], binary: join(dir, 'no-yara'), timeoutSeconds: 30 }, [dir], new Set()),
      (e: unknown) => e instanceof AppError && e.code === 'config_invalid' && /apt-get install yara/.test(e.message),
    );
  });

  it('`ripcord integrity scan` runs the rule files the config names, beside the shipped rules', needYara, () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'shop.yar'), RULES);
    writeFileSync(join(dir, 'site', 'favicon.ico'), 'GIF89a ripcord-yara-card-9');
    writeFileSync(join(dir, 'ripcord.yml'), 'integrity:\n  scan:\n    yara:\n      rules: [./shop.yar]\n');
    const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'ripcord.js');
    const r = spawnSync(
      process.execPath,
      [bin, '-c', join(dir, 'ripcord.yml'), 'integrity', 'scan', join(dir, 'site'), '--json'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 1, r.stderr);
    const found = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; path: string });
    assert.deepEqual(
      found.map((f) => [f.rule, f.path]),
      [['yara:card_grabber_marker', join(dir, 'site', 'favicon.ico')]],
    );
  });
});
