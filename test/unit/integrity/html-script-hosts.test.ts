// Script tags in markup that load from another host (the Magecart loader in a CMS block or a
// template): a path that copies the shop's own script folders and a file named for the payment
// step is the skimmer's disguise; a CDN, analytics and a payment gateway's own script are not.
// Defanged samples written here (example.invalid hosts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCodeRules } from '../../../src/integrity/scan/rules.ts';
import { scanContent } from '../../../src/integrity/scan/scanner.ts';

const rules = loadCodeRules();
const ruleIds = (text: string, path = 'block.html') => scanContent(text, { path, rel: path }, rules).map((f) => f.rule);

test("a payment script on another host under the shop's own script folders is a skimmer", () => {
  for (const src of [
    '//cdn-shop.example.invalid/js/extjs/ext-payment.js',
    'https://assets.example.invalid/js/varien/checkout.js',
    'https://static.example.invalid/js/mage/cardvalidate.js',
  ])
    assert.ok(
      ruleIds(`<script type="text/javascript" src="${src}"></script><div class="block block-security">`).includes(
        'html-suspicious-script-host',
      ),
      src,
    );
});

test("scripts from a CDN, analytics or a payment gateway's own host are not", () => {
  for (const src of [
    'https://ajax.googleapis.com/ajax/libs/prototype/1.7.3.0/prototype.js',
    'https://www.googletagmanager.com/gtag/js?id=G-XXXX',
    'https://js.stripe.com/v3/',
    'https://checkout.stripe.com/checkout.js',
    'https://www.paypal.com/sdk/js?client-id=x',
    'https://cdn.jsdelivr.net/npm/jquery@3/dist/jquery.min.js',
  ])
    assert.deepEqual(ruleIds(`<script src="${src}"></script>`), [], src);
});
