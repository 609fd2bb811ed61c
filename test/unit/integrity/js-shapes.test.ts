// Packer shapes on scripts written here: a switch whose cases only apply operators to one array's
// items counts them, a hand-written switch over named values counts none; a test between two
// numbers has its outcome; the Function constructor is found behind a literal's `constructor`,
// directly or through a variable, and an object's own constructor is not it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type AnyNode, parse } from 'acorn';
import { full } from 'acorn-walk';
import { constantTest, isHiddenFunction, operatorCases } from '../../../src/integrity/scan/js-shapes.ts';

function nodes(script: string, type: string): AnyNode[] {
  const out: AnyNode[] = [];
  full(parse(script, { ecmaVersion: 'latest' }), (n) => {
    if (n.type === type) out.push(n);
  });
  return out;
}

test('a switch of operator cases over one array counts them; named values count none', () => {
  const table = nodes(
    'var t=function(c){var v,l=arguments;switch(c){case 1:v=l[1]*l[0];break;case 7:v=(l[1]+l[0])/l[2];break;case 3:v=-l[2]-l[0];break;case 4:v=l[0];break;}return v;};',
    'SwitchStatement',
  )[0] as AnyNode;
  assert.equal(operatorCases(table), 3);
  const prices = nodes(
    'function p(r,price,qty){var t;switch(r){case 1:t=price*qty;break;case 2:t=price-qty;break;}return t;}',
    'SwitchStatement',
  )[0] as AnyNode;
  assert.equal(operatorCases(prices), 0);
  // Two arrays in one table are not one table's arguments.
  const mixed = nodes('switch(c){case 1:v=a[1]*b[0];break;case 2:v=a[0]+a[1];break;}', 'SwitchStatement')[0] as AnyNode;
  assert.equal(operatorCases(mixed), 1);
});

test('a test between two numbers has its outcome; anything else has none', () => {
  const [yes, no, open] = nodes('x=(74>23); y=(3>=9); z=(n>2);', 'BinaryExpression');
  assert.equal(constantTest(yes as AnyNode), true);
  assert.equal(constantTest(no as AnyNode), false);
  assert.equal(constantTest(open as AnyNode), null);
});

test('Function behind a literal constructor, directly or through a variable', () => {
  const script =
    'var xx="".constructor; xx.constructor(code); "".constructor.constructor(code); obj.constructor(code);';
  const bindings = new Map<string, AnyNode>();
  for (const d of nodes(script, 'VariableDeclarator'))
    if (d.type === 'VariableDeclarator' && d.id.type === 'Identifier' && d.init) bindings.set(d.id.name, d.init);
  const propOf = (n: AnyNode) =>
    n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier' ? n.property.name : null;
  const calls = nodes(script, 'CallExpression').map((c) =>
    c.type === 'CallExpression' ? isHiddenFunction(c.callee, propOf(c.callee), propOf, (n) => bindings.get(n)) : null,
  );
  assert.deepEqual(calls, [true, true, false]);
});
