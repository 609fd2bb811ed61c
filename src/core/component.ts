// Component modules and their registries. A component (a traffic source, an alert channel, a
// repository backend, …) is one module that exports its `type` (the value of `type:` in the
// config that selects it), a strict zod `schema` of its spec (every field described) and
// `create(spec, ctx)`. A registry is the list of the components of one kind: it composes their
// schemas into the one the configuration is checked with, and builds a component from a
// checked spec. Adding a component is its module plus one line in its kind's list.

import { z } from 'zod';
import { AppError } from './errors.ts';

/** A problem a component finds in its spec beyond the schema (a missing folder), at one of its fields. */
export interface ComponentProblem {
  field: string;
  message: string;
}

export interface Component<Spec extends { type: string }, Ctx, T> {
  /** The `type:` value that selects this component. */
  readonly type: Spec['type'];
  /** Strict schema of the spec, `type` included as a literal. */
  readonly schema: z.ZodType<Spec>;
  /** Builds the component from a spec its schema accepted. (Method syntax: each component narrows the spec.) */
  create(spec: Spec, ctx: Ctx): T;
  /** Checks that need the file system, run after the schema (optional). */
  check?(spec: Spec, baseDir: string): ComponentProblem[];
}

export interface Registry<
  Spec extends { type: string },
  Ctx,
  T,
  C extends Component<Spec, Ctx, T> = Component<Spec, Ctx, T>,
> {
  readonly kind: string;
  readonly types: readonly string[];
  readonly components: readonly C[];
  /** The component of a type, for what a kind adds to the component interface. */
  get(type: string): C | undefined;
  /** The specs of every component, told apart by `type` (problems are reported at the field). */
  readonly schema: z.ZodType<Spec>;
  create(spec: Spec, ctx: Ctx): T;
  /** The component's own checks of a spec (see Component.check). */
  check(spec: Spec, baseDir: string): ComponentProblem[];
}

export function registry<
  Spec extends { type: string },
  Ctx,
  T,
  C extends Component<Spec, Ctx, T> = Component<Spec, Ctx, T>,
>(kind: string, components: readonly [C, ...C[]]): Registry<Spec, Ctx, T, C> {
  const byType = new Map<string, C>();
  for (const c of components) {
    if (byType.has(c.type)) throw new Error(`two ${kind} components of type ${c.type}`);
    byType.set(c.type, c);
  }
  // Every component schema is a strict object with a literal `type`, which is what a
  // discriminated union needs; the generic Spec type cannot say so, hence the cast.
  const options = components.map((c) => c.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
  const schema = z.discriminatedUnion('type', options) as unknown as z.ZodType<Spec>;
  return {
    kind,
    types: [...byType.keys()],
    components,
    get: (type) => byType.get(type),
    schema,
    create(spec, ctx) {
      const c = byType.get(spec.type);
      if (c === undefined)
        throw new AppError('config_invalid', `unknown ${kind} type ${spec.type}`, {
          details: [`one of: ${[...byType.keys()].join(', ')}`],
        });
      return c.create(spec, ctx);
    },
    check(spec, baseDir) {
      return byType.get(spec.type)?.check?.(spec, baseDir) ?? [];
    },
  };
}
