// Turns a queued message into the words of each medium through the Liquid templates in
// templates/alerts/ (or the folder `alerts.templates` names). Variables are strict (a typo in
// a template fails loudly, at start-up) and every value is escaped for its medium: control
// characters made visible everywhere, HTML-escaped in the HTML part, Slack/Mattermost markup
// neutralised in chat text.

import { Liquid } from 'liquidjs';
import { fileURLToPath } from 'node:url';
import { escapeHtml, escapeTerminal } from '../core/escape.ts';
import { AppError } from '../core/errors.ts';
import type { AlertMessage, Rendered } from './ports.ts';

export const shippedTemplates = fileURLToPath(new URL('../../templates/alerts/', import.meta.url));

const templateNames = ['subject', 'text', 'html', 'chat', 'push'] as const;
type TemplateName = (typeof templateNames)[number];

/** Escapes for Slack and Mattermost: their three control characters, mentions and code fences. */
export function escapeChat(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/`/g, 'ˋ')
    .replace(/@/g, '@\u200b');
}

/** Makes every string of the message inert for a medium (deep; numbers and nulls stay). */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
  return v;
}

export interface Renderer {
  render(m: AlertMessage): Promise<Rendered>;
}

export async function createRenderer(dirs: readonly string[] = [shippedTemplates]): Promise<Renderer> {
  const base = { root: [...dirs], extname: '.liquid', strictVariables: true, strictFilters: true, cache: true };
  const text = new Liquid(base);
  const html = new Liquid({ ...base, outputEscape: (v: unknown) => escapeHtml(String(v)) });
  const chat = new Liquid({ ...base, outputEscape: (v: unknown) => escapeChat(String(v)) });
  const engines: Record<TemplateName, Liquid> = { subject: text, text, html, chat, push: text };
  const parsed = new Map<TemplateName, ReturnType<Liquid['parse']>>();
  for (const name of templateNames) {
    try {
      parsed.set(name, await engines[name].parseFile(name));
    } catch (e) {
      throw new AppError(
        'config_invalid',
        `alert template ${name}.liquid: ${e instanceof Error ? e.message : String(e)}`,
        { where: dirs.join(', '), cause: e },
      );
    }
  }
  const run = async (name: TemplateName, data: unknown): Promise<string> => {
    const tpl = parsed.get(name);
    if (tpl === undefined) throw new AppError('internal', `template ${name} not loaded`);
    return String(await engines[name].render(tpl, data as Record<string, unknown>));
  };
  return {
    async render(m) {
      // Control characters (ESC, CR, LF inside a value) are made visible in every medium.
      const data = mapStrings(m, escapeTerminal);
      const [subject, textOut, htmlOut, chatOut, push] = await Promise.all([
        run('subject', data),
        run('text', data),
        run('html', data),
        run('chat', data),
        run('push', data),
      ]);
      return {
        subject: subject.replace(/\s+/g, ' ').trim(),
        text: textOut,
        html: htmlOut,
        chat: chatOut.trim(),
        push: push.trim(),
      };
    },
  };
}
