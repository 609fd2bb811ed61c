// Shapes of hand-rolled JavaScript packers, read from the syntax tree: they say how code hides,
// not what it does. Switch tables of operators (Jscrambler's newer output puts every operator in
// one `switch` over a code), constant tests that pick one of two strings (`74>23?"h":"_"`, an
// opaque predicate spelling a name), and the Function constructor reached through a literal's
// `constructor` (`"".constructor.constructor(code)`).

import type { AnyNode } from 'acorn';

/** `a[1]`, `-a[0]`, `+a[2]`: an item of the one array a table's cases compute with. */
function itemOf(n: AnyNode, array: { name: string | null }): boolean {
  if (n.type === 'UnaryExpression' && (n.operator === '-' || n.operator === '+' || n.operator === '~'))
    return itemOf(n.argument, array);
  if (n.type !== 'MemberExpression' || !n.computed || n.object.type !== 'Identifier') return false;
  if (n.property.type !== 'Literal' || typeof n.property.value !== 'number') return false;
  array.name ??= n.object.name;
  return array.name === n.object.name;
}

/** An expression of operators only, over items of that array. */
function operatorsOver(n: AnyNode, array: { name: string | null }, depth = 0): boolean {
  if (depth > 12) return false;
  if (n.type === 'BinaryExpression')
    return operatorsOver(n.left as AnyNode, array, depth + 1) && operatorsOver(n.right, array, depth + 1);
  if (n.type === 'UnaryExpression' && n.argument.type !== 'MemberExpression')
    return operatorsOver(n.argument, array, depth + 1);
  return itemOf(n, array);
}

/**
 * How many cases of a switch only apply operators to items of one array and stop
 * (`case 26: v = (a[1] + a[0]) / a[2]; break;`): a table of operators that hides each one
 * behind a number. Hand-written switches compute with named values.
 */
export function operatorCases(n: AnyNode): number {
  if (n.type !== 'SwitchStatement') return 0;
  const array = { name: null as string | null };
  let count = 0;
  for (const c of n.cases) {
    const [first, second] = c.consequent;
    if (c.consequent.length !== 2 || second?.type !== 'BreakStatement') continue;
    if (first?.type !== 'ExpressionStatement' || first.expression.type !== 'AssignmentExpression') continue;
    const right = first.expression.right;
    if (right.type === 'BinaryExpression' && operatorsOver(right, array)) count++;
  }
  return count;
}

/** The outcome of a test between two number literals (`74>23`); null when it is not one. */
export function constantTest(n: AnyNode): boolean | null {
  if (n.type !== 'BinaryExpression') return null;
  const l = n.left;
  const r = n.right;
  if (l.type !== 'Literal' || r.type !== 'Literal' || typeof l.value !== 'number' || typeof r.value !== 'number')
    return null;
  switch (n.operator) {
    case '>':
      return l.value > r.value;
    case '<':
      return l.value < r.value;
    case '>=':
      return l.value >= r.value;
    case '<=':
      return l.value <= r.value;
    case '==':
    case '===':
      return l.value === r.value;
    case '!=':
    case '!==':
      return l.value !== r.value;
    default:
      return null;
  }
}

/** `""`, `[]`, `{}`, `0`, a function: values whose `constructor.constructor` is Function. */
const isPlainValue = (n: AnyNode) =>
  n.type === 'Literal' ||
  n.type === 'ArrayExpression' ||
  n.type === 'ObjectExpression' ||
  n.type === 'FunctionExpression' ||
  n.type === 'ArrowFunctionExpression';

/**
 * Whether a callee is the Function constructor reached through a value's `constructor`:
 * `"".constructor.constructor`, or `x.constructor` where `x` was bound to `"".constructor`
 * (`prop` is the callee's property name as the analyser resolves it, computed keys included).
 */
export function isHiddenFunction(
  callee: AnyNode,
  prop: string | null,
  propOf: (n: AnyNode) => string | null,
  boundTo: (name: string) => AnyNode | undefined,
): boolean {
  if (prop !== 'constructor' || callee.type !== 'MemberExpression') return false;
  let o: AnyNode = callee.object as AnyNode;
  if (o.type === 'Identifier') {
    const v = boundTo(o.name);
    if (v === undefined) return false;
    o = v;
  }
  return o.type === 'MemberExpression' && propOf(o) === 'constructor' && isPlainValue(o.object as AnyNode);
}
