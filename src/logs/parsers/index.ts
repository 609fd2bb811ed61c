// TEMPORARY STUB written by the lead so the pipeline type-checks. The parsers engineer owns
// this file and replaces it entirely with the real parsers.

import type { AuthEvent, HttpEvent, Parser } from '../events.ts';
import type { FormatName } from '../../core/config/index.ts';

export function getParser(name: FormatName, _opts: { logFormat?: string | undefined } = {}): Parser {
  return { name, parse: () => ({ type: 'reject', reason: 'parsers not built yet' }) };
}

export function sniffFormat(_sample: readonly string[]): Exclude<FormatName, 'auto'> {
  return 'nginx';
}

export function deriveShopAdminLogin(_e: HttpEvent, _platform: string): AuthEvent | null {
  return null;
}
