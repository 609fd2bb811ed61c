// Notice templates: every shipped one renders with the example values; the California form has
// the title and headings of Cal. Civ. Code 1798.82(d) and lints clean for US-CA and US-MA; the
// general one's gaps are named; a missing placeholder is an error; customer values cannot
// inject HTML, Markdown or header lines (property).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { exampleVars, lintTemplate, noticeTemplateNames, previewNotice } from '../../../src/app/notices.ts';
import { parseTemplate, renderNotice } from '../../../src/notices/templates.ts';

test('every shipped notice renders; the California form has the statutory headings', async () => {
  assert.deepEqual(noticeTemplateNames(), ['california', 'credentials', 'gdpr-art34', 'general', 'payment-card']);
  for (const t of noticeTemplateNames()) {
    const r = await previewNotice(null, { template: t, varsFile: exampleVars });
    assert.match(r.subject, /Harbor & Pine/);
    assert.ok(r.html.startsWith('<h1>'), t);
  }
  const ca = await previewNotice(null, { template: 'california', varsFile: exampleVars });
  assert.deepEqual(ca.headings, [
    'Notice of Data Breach',
    'What Happened',
    'What Information Was Involved',
    'What We Are Doing',
    'What You Can Do',
    'For More Information',
  ]);
});

test('lint: California clean for US-CA and US-MA, GDPR clean for EU and UK, general names its gaps', async () => {
  assert.deepEqual((await lintTemplate('california', ['US-CA', 'US-MA'], exampleVars)).gaps, []);
  assert.deepEqual((await lintTemplate('gdpr-art34', ['EU-DE', 'GB'], exampleVars)).gaps, []);
  const g = await lintTemplate('general', ['US-CA'], exampleVars);
  const names = g.gaps.map((x) => `${x.kind} ${x.element}`);
  assert.ok(names.includes('wrong_title title'));
  assert.ok(names.includes('missing_heading entity_contact'));
  assert.ok(names.includes('missing_element cra_contacts'));
});

test('lint: a statement a law forbids is a gap (Massachusetts: the number affected)', async () => {
  const src = readFileSync(new URL('../../../templates/notices/california.md', import.meta.url), 'utf8').replace(
    'elements:\n',
    'elements:\n  number_affected: What Happened\n',
  );
  const t = parseTemplate('own.md', src);
  const { lintNotice } = await import('../../../src/notices/templates.ts');
  const { contentRequirements } = await import('../../../src/app/obligations.ts');
  const vars = (await import('yaml')).parse(readFileSync(exampleVars, 'utf8')) as object;
  const r = await renderNotice(t, { ...vars, recipient: { name: 'A' } });
  const gaps = lintNotice(t, r, contentRequirements(['US-MA']));
  assert.ok(gaps.some((x) => x.kind === 'forbidden' && x.element === 'number_affected' && x.jurisdiction === 'US-MA'));
});

test('a missing placeholder is an error, not an empty gap', async () => {
  const t = parseTemplate('t.md', '---\ntitle: T\nsubject: S\n---\nDear {{ recipient.nmae }}\n');
  await assert.rejects(renderNotice(t, { recipient: { name: 'A' } }), /placeholder.*nmae/);
  const r = await lintTemplate(
    'california',
    ['US-CA'],
    new URL('../../fixtures/notices-vars-missing.yml', import.meta.url).pathname,
  );
  assert.equal(r.gaps[0]?.kind, 'placeholder');
});

test('HTML in a template is escaped; front matter is checked', async () => {
  const t = parseTemplate('t.md', '---\ntitle: T\nsubject: S\n---\n<img src=x onerror=alert(1)>\n');
  const r = await renderNotice(t, {});
  assert.ok(!r.html.includes('<img'));
  assert.throws(() => parseTemplate('t.md', '---\ntitle: T\nsubjekt: S\n---\nx'), /front matter/);
});

test('property: customer values cannot add markup, links or header lines', async () => {
  const t = parseTemplate(
    't.md',
    '---\ntitle: T\nsubject: "Hello {{ recipient.name }}"\n---\nDear {{ recipient.name }},\n\nText.\n',
  );
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }), async (name) => {
      const r = await renderNotice(t, { recipient: { name } });
      assert.ok(!/[\r\n]/.test(r.subject), 'subject is one line');
      const tags = r.html.match(/<[a-z][^>]*>/g) ?? [];
      assert.deepEqual(
        tags.filter((x) => !['<h1>', '<p>'].includes(x)),
        [],
        `no element from ${JSON.stringify(name)}`,
      );
    }),
    { numRuns: 40 },
  );
});
