// The facts of a breach as the owner states them (FACTS.yml): when it was discovered, which
// data elements were exposed, whether they were encrypted, and how many people were affected
// in each jurisdiction. Parsing is pure and names every bad field by its path.

import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import { elementSchema } from './schema.ts';

export const jurisdictionCodeRe = /^(US-[A-Z]{2}|EU-[A-Z]{2}|GB|CA|CA-QC|AU)$/;

const dateTime = z.iso
  .datetime({ offset: true })
  .describe('Date and time with a zone offset or Z, e.g. 2026-11-02T09:30:00-05:00.');

export const factsSchema = z.strictObject({
  discovered: dateTime.describe('When the breach was discovered (date-time with zone).'),
  determined: dateTime
    .optional()
    .describe(
      'When it was determined that a breach of personal information occurred, if later than discovery; the clock of some laws starts here.',
    ),
  elements: z.array(elementSchema).min(1).describe('Data elements exposed.'),
  encrypted: z.boolean().default(false).describe('true: the exposed data was encrypted.'),
  keyCompromised: z.boolean().default(false).describe('true: the key or credentials to decrypt were taken too.'),
  redacted: z
    .boolean()
    .default(false)
    .describe('true: the exposed data elements were redacted (e.g. only the last four digits).'),
  affected: z
    .record(
      z.string().regex(jurisdictionCodeRe, 'expected a jurisdiction code: US-XX, EU-XX, GB, CA, CA-QC or AU'),
      z.number().int().min(0),
    )
    .default({})
    .describe('People affected, per jurisdiction code.'),
  euMainEstablishment: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional()
    .describe('EU member state of your main establishment (GDPR Art. 56 one-stop shop): one notice to its authority.'),
  cardBrands: z
    .array(z.enum(['visa', 'mastercard', 'amex', 'discover']))
    .optional()
    .describe('Card brands among the exposed cards (default: all four when card numbers were exposed).'),
});

export type Facts = z.infer<typeof factsSchema>;
export type FactsInput = z.input<typeof factsSchema>;

/** Formats a zod issue path as `affected.US-CA` or `elements[2]`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Checks a parsed facts document; throws AppError('parse') naming every bad field. */
export function parseFacts(doc: unknown, where: string): Facts {
  const r = factsSchema.safeParse(doc);
  if (!r.success) {
    const details = r.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
    throw new AppError(
      'parse',
      `the facts file is not valid (${details.length} problem${details.length === 1 ? '' : 's'})`,
      { where, details },
    );
  }
  return r.data;
}
