// What Debian's `yara` prints with `--print-meta` (`RULE [key="value",n =1] PATH`), read back
// into findings: the rule's meta gives the category, severity and description. Pure; the
// command itself is run by src/adapters/yara/.

import { type CodeCategory, type CodeSeverity, codeCategories } from './rules.ts';
import type { CodeFinding } from './scanner.ts';

/** One match as yara prints it with `--print-meta`: rule name, its meta, and the file. */
export interface YaraMatch {
  rule: string;
  meta: Record<string, string>;
  path: string;
}

const severities: readonly CodeSeverity[] = ['info', 'low', 'medium', 'high', 'critical'];

/**
 * Parses one output line: `RULE [key="value",n=1,flag=true] PATH` (the meta part only when
 * the rule has some). Null for anything else (a warning, part of a name holding a newline).
 */
export function parseYaraLine(line: string): YaraMatch | null {
  const name = /^[A-Za-z_][A-Za-z0-9_]{0,127} /.exec(line);
  if (name === null) return null;
  const rule = name[0].slice(0, -1);
  let at = name[0].length;
  const pairs: [string, string][] = [];
  if (line.startsWith('[] ', at)) {
    // A rule without meta.
    at += 3;
  } else if (line[at] === '[') {
    at++;
    for (;;) {
      // yara 4.2 prints a number as `key =2`.
      const key = /^([A-Za-z_][A-Za-z0-9_]*) ?=/.exec(line.slice(at, at + 200));
      if (key === null) return null;
      at += key[0].length;
      let value = '';
      if (line[at] === '"') {
        // A quoted string: yara escapes \" \\ \n \t and bytes as \xHH.
        at++;
        for (; at < line.length && line[at] !== '"'; at++) {
          if (line[at] === '\\' && at + 1 < line.length) at++;
          value += line[at];
        }
        if (line[at] !== '"') return null;
        at++;
      } else {
        const bare = /^[^,\]]*/.exec(line.slice(at)) as RegExpExecArray;
        value = bare[0];
        at += value.length;
      }
      pairs.push([key[1] as string, value]);
      if (line[at] === ',') {
        at++;
        continue;
      }
      if (line[at] !== ']' || line[at + 1] !== ' ') return null;
      at += 2;
      break;
    }
  }
  const path = line.slice(at);
  // fromEntries: a key such as __proto__ becomes a plain own property.
  return path === '' ? null : { rule, meta: Object.fromEntries(pairs), path };
}

/** The category a rule's meta names, else a guess from its name and description. */
function categoryOf(m: YaraMatch): CodeCategory {
  const named = m.meta['category']?.toLowerCase();
  if (named !== undefined && (codeCategories as readonly string[]).includes(named)) return named as CodeCategory;
  const words = `${m.rule} ${m.meta['description'] ?? ''}`.toLowerCase();
  if (/skim|magecart|card|payment/.test(words)) return 'skimmer';
  if (/shell/.test(words)) return 'webshell';
  if (/obfusc|packed|encod/.test(words)) return 'obfuscation';
  if (/upload/.test(words)) return 'upload';
  if (/inject/.test(words)) return 'injection';
  return 'backdoor';
}

/** The finding for one match, reported under `path`. */
export function yaraFinding(m: YaraMatch, path: string): CodeFinding {
  const sev = m.meta['severity']?.toLowerCase();
  return {
    path,
    rule: `yara:${m.rule}`,
    category: categoryOf(m),
    severity: sev !== undefined && (severities as readonly string[]).includes(sev) ? (sev as CodeSeverity) : 'high',
    line: 0,
    match: m.rule,
    description: m.meta['description'] ?? `matches the YARA rule ${m.rule}`,
  };
}
