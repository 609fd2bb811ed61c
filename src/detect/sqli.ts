// A small SQL tokenizer in the spirit of libinjection: a value is read as SQL in three contexts
// (bare, as if a single quote had opened a string before it, as if a double quote had), each
// token becomes one letter, and the short fingerprint of letters is compared with the shapes
// injections have ("close the string, then a logical operator and a comparison", "a number,
// then UNION SELECT", …) and prose does not. Structure instead of word lists means `+` or
// `/**/` for spaces, brackets for spaces (`(1)and(1)=(1)`) and functions never listed before
// are all the same shape. Pure and allocation-light: only runs on values a prefilter passed.

import { databaseOnlyFunctions } from './sql-functions.ts';

/**
 * Token letters: s string, n number or literal, b bare word, v @variable, f SQL function
 * (a known one, or a dotted package name, before `(`), & logical operator, o other operator,
 * U union, E statement keyword, k clause keyword, ( ) , ; punctuation, c comment, x other.
 */
export type Fingerprint = string;

/**
 * Longest fingerprint built. The shapes anchored at the start need only the first tokens, but
 * nested brackets and select lists push UNION or FROM further on (`(select (select (select 1)))
 * union …`, `select id,sin((1)),2 from t where`): 24 tokens reach them.
 */
const MAX_TOKENS = 24;

const logical = new Set(['and', 'or', 'xor', 'not', '&&', '||', '!']);
const operatorWords = new Set([
  'like',
  'rlike',
  'regexp',
  'between',
  'is',
  'in',
  'div',
  'mod',
  'sounds',
  'collate',
  'escape',
  // MySQL's BINARY cast, written as a prefix operator (`select binary 'a'`, `or binary 1= '1`)
  'binary',
]);
const literals = new Set([
  'true',
  'false',
  'null',
  'unknown',
  'current_user',
  'current_date',
  'current_time',
  'current_timestamp',
  'localtime',
  'sysdate',
  // niladic system functions, written without brackets (`select session_user;`)
  'session_user',
  'system_user',
  'current_schema',
  'current_role',
  'current_catalog',
  'localtimestamp',
]);
const statements = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'drop',
  'exec',
  'execute',
  'declare',
  'waitfor',
  'create',
  'alter',
  'truncate',
  'shutdown',
  'call',
  'grant',
  'revoke',
  'replace',
  'handler',
  'load',
  'copy',
  'pragma',
  'attach',
]);
/**
 * Statements that are also everyday words (`show`, `print`, `use`, `if`, `begin`): a statement
 * only as the first thing after a break-out's `;` (`'; if …`, `; begin declare …`, `\'; desc t`).
 */
const stackedStatements = new Set([
  'if',
  'while',
  'begin',
  'desc',
  'describe',
  'show',
  'print',
  'use',
  'set',
  'backup',
  'restore',
  'dbcc',
  'kill',
  'commit',
  'rollback',
  'rename',
  'lock',
  'prepare',
  'flush',
  'optimize',
  'analyze',
  // cursors (`; open c`, `; fetch next from c`)
  'open',
  'close',
  'fetch',
  'deallocate',
]);
const clauses = new Set([
  'from',
  'where',
  'order',
  'group',
  'having',
  'limit',
  'offset',
  'into',
  'procedure',
  'case',
  'when',
  'then',
  'else',
  'end',
  'as',
  'by',
  'all',
  'distinct',
  'distinctrow',
  'top',
  'values',
  'set',
  'table',
  'delay',
  'time',
  'outfile',
  'dumpfile',
]);
const unions = new Set(['union', 'intersect', 'except', 'minus']);
/** Functions injections call (delays, string slicing for blind extraction, catalog lookups, errors). */
const functions = new Set([
  'sleep',
  'benchmark',
  'pg_sleep',
  'if',
  'iif',
  'ifnull',
  'nullif',
  'isnull',
  'coalesce',
  'ascii',
  'ord',
  'char',
  'chr',
  'nchar',
  'unicode',
  'substr',
  'substring',
  'mid',
  'left',
  'right',
  'length',
  'len',
  'char_length',
  'instr',
  'locate',
  'position',
  'strcmp',
  'version',
  'database',
  'schema',
  'user',
  'system_user',
  'session_user',
  'current_user',
  'db_name',
  'user_name',
  'host_name',
  'suser_name',
  'suser_sname',
  'is_srvrolemember',
  'has_dbaccess',
  'concat',
  'concat_ws',
  'group_concat',
  'string_agg',
  'array_agg',
  'count',
  'cast',
  'convert',
  'extractvalue',
  'updatexml',
  'load_file',
  'hex',
  'unhex',
  'bin',
  'conv',
  'rand',
  'floor',
  'exp',
  'elt',
  'make_set',
  'export_set',
  'randomblob',
  'zeroblob',
  'lower',
  'upper',
  'lcase',
  'ucase',
  'reverse',
  'md5',
  'sha1',
  'exists',
  'row',
  'now',
  'sysdate',
  'json_keys',
  'gtid_subset',
  'name_const',
  'xmltype',
  'sqlite_version',
  'pg_read_file',
  'current_database',
  'quotename',
  'regexp_substr',
  'char_length',
  'bit_length',
  'octet_length',
  'xp_cmdshell',
  'openrowset',
  'opendatasource',
  'waitfor',
  'to_char',
  'to_number',
  'decode',
  'nvl',
  'soundex',
  'geometrycollection',
  'multipoint',
  'polygon',
  'linestring',
  'multipolygon',
  'multilinestring',
  'procedure',
  'analyse',
  'greatest',
  'least',
  'abs',
  'sum',
  'max',
  'min',
  'avg',
  'inet_server_addr',
  'lo_import',
  'dbms_xmlgen',
  'make_set',
  'uuid',
  'connection_id',
  'last_insert_id',
  'row_count',
  'found_rows',
  'charset',
  'collation',
  'space',
  'repeat',
  'lpad',
  'rpad',
  'trim',
  'ltrim',
  'rtrim',
  'field',
  'find_in_set',
  'strpos',
  'textcat',
  // arithmetic and compression functions the probes open (`pow(`, `sin (`, `compress(`)
  'pow',
  'sin',
  'cos',
  'tan',
  'atan',
  'atan2',
  'cot',
  'sqrt',
  'compress',
  'uncompress',
  'crc32',
  'sha2',
  // MySQL's INSERT(str, pos, len, new): a string function as well as a statement
  'insert',
]);
/** Two-word keywords that count as one clause token. */
const pairs: Record<string, string> = { order: 'by', group: 'by' };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isWord = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c === 46 || c > 127;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0;

export interface SqlVerdict {
  /** The context the injection was read in: bare, ', " or ` (a MySQL name the value lands in). */
  context: 'bare' | "'" | '"' | '`';
  fingerprint: Fingerprint;
}

/**
 * The fingerprint of `text` read in one context: for a quote context, the text is taken to
 * start inside a string that quote opened (so the first token is that string, closed where
 * the text first has the quote). Returns '' when the quote never closes (plain text).
 */
export function fingerprint(text: string, quote: '' | "'" | '"' | '`'): Fingerprint {
  let out = '';
  let i = 0;
  const n = text.length;
  if (quote !== '') {
    const end = closeOf(text, 0, quote);
    if (end < 0) return '';
    out = 's';
    i = end + 1;
  }
  while (i < n && out.length < MAX_TOKENS) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const ch = text[i] as string;
    // Comments: --, #, /* */ (MySQL's /*! … */ runs its content: read it as code).
    // (`#2`: a number sign, not a comment)
    if ((ch === '-' && text[i + 1] === '-') || (ch === '#' && !isDigit(text.charCodeAt(i + 1)))) {
      // a line comment ends at its line: with more SQL on the next one (`union#x\nselect`) it
      // is a space; at the end of the value it cuts the query off
      const next = lineCommentEnd(text, i);
      if (next > 0) {
        i = next;
        continue;
      }
      out += 'c';
      break;
    }
    if (ch === '/' && text[i + 1] === '*') {
      if (text[i + 2] === '!') {
        i += 3;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        continue;
      }
      const end = text.indexOf('*/', i + 2);
      // left open, or closed with nothing after it (`1/*'*/`): it ends the query, like `--`
      if (end < 0 || (out !== '' && text.slice(end + 2).trim() === '')) {
        out += 'c';
        break;
      }
      i = end + 2;
      continue;
    }
    if (ch === '*' && text[i + 1] === '/') {
      i += 2;
      continue;
    }
    // ODBC escapes (`{fn …}`, `{if …}`) and MSSQL's braces wrap SQL without changing its shape
    if (ch === '{' || ch === '}') {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closeOf(text, i + 1, ch);
      // A backtick quotes a name; an unclosed string runs to the end.
      out += ch === '`' ? 'b' : 's';
      if (end < 0) break;
      i = end + 1;
      continue;
    }
    if (
      isDigit(c) ||
      (ch === '.' && isDigit(text.charCodeAt(i + 1))) ||
      (out === '' && (ch === '-' || ch === '+') && isDigit(text.charCodeAt(i + 1)))
    ) {
      const start = i;
      i++;
      while (i < n && (isWord(text.charCodeAt(i)) || text[i] === '.')) i++;
      // `86union`, `1and`: a number glued to a keyword is read as MySQL reads it, two tokens
      // (`3pm`, `10ml`, `2xl` stay one)
      if (isLetter(text.charCodeAt(i - 1))) i = numberEnd(text, start, i);
      out += 'n';
      continue;
    }
    // a sign or ~ after an operator or bracket, before a value, is unary (`or -+-1=1`, `= +'x'`):
    // no token (before a word it may be a space written as `+`)
    // (`!` too, MySQL's NOT: `= !!'0`, `-!1 like`; `!=` is an operator)
    if (
      (ch === '+' || ch === '-' || ch === '~' || (ch === '!' && text[i + 1] !== '=')) &&
      unaryAfter.test(out) &&
      unaryBefore.test(text.slice(i + 1, i + 12))
    ) {
      i++;
      continue;
    }
    // `\N`: MySQL's NULL written short (`column is \N`)
    if (ch === '\\' && (text[i + 1] === 'N' || text[i + 1] === 'n') && !isWord(text.charCodeAt(i + 2))) {
      i += 2;
      out += 'n';
      continue;
    }
    if (ch === '@') {
      i++;
      while (i < n && (text[i] === '@' || isWord(text.charCodeAt(i)))) i++;
      out += 'v';
      continue;
    }
    if (isWord(c)) {
      const start = i;
      while (i < n && isWord(text.charCodeAt(i))) i++;
      // `grant@shop.example`, `update@…`: an e-mail address, whatever word it opens with (a
      // variable has no dot in its name; `select@@version` keeps its server variable)
      if (text[i] === '@' && text[i + 1] !== '@') {
        const mail = emailDomain.exec(text.slice(i, i + 256));
        if (mail !== null) {
          i += mail[0].length;
          out += 'b';
          continue;
        }
      }
      const word = unnested(text.slice(start, i).toLowerCase());
      const j = skipGap(text, i);
      const call = text[j] === '(';
      // `not between`, `not like`, `sounds like`: one operator
      if ((word === 'not' || word === 'sounds') && operatorWords.has(nextWord(text, j))) continue;
      if (logical.has(word)) out += '&';
      else if (unions.has(word)) out += 'U';
      else if (statements.has(word) && !(call && word !== 'select')) out += 'E';
      else if (
        call &&
        (functions.has(word) ||
          databaseOnlyFunctions.has(word) ||
          /^[a-z_]\w*\.[a-z_][\w.]*$/.test(word) ||
          dbFamily.test(word))
      )
        out += 'f';
      // MSSQL's system procedures (`exec master..xp_cmdshell`, `sp_executesql`): called without brackets
      else if (word.includes('_') && procedureName.test(word)) out += 'f';
      else if (literals.has(word)) out += 'n';
      else if (operatorWords.has(word)) out += 'o';
      else if (clauses.has(word)) {
        const next = pairs[word];
        if (next !== undefined) {
          const m = text.slice(j, j + next.length).toLowerCase();
          if (m === next && !isWord(text.charCodeAt(j + next.length))) i = j + next.length;
        }
        out += 'k';
      } else out += stackedStatements.has(word) && afterBreakOut.test(out) ? 'E' : 'b';
      continue;
    }
    i++;
    switch (ch) {
      case '(':
      case ')':
      case ',':
      case ';':
        out += ch;
        break;
      case '&':
      case '|':
        // && and || are logical (|| also concatenates, which injections use the same way).
        if (text[i] === ch) {
          i++;
          out += '&';
        } else out += 'o';
        break;
      case '!':
        if (text[i] === '=') {
          i++;
          out += 'o';
        } else out += '&';
        break;
      case '=':
      case '<':
      case '>':
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^':
      case '~':
      // PostgreSQL's JSON key operators (`?`, `?|`, `?&`)
      case '?':
        while (i < n && '=<>'.includes(text[i] as string)) i++;
        out += 'o';
        break;
      default:
        out += 'x';
    }
  }
  return out;
}

// The first index from `i` past spaces and closed block comments (`sleep/**/(` is still a call).
function skipGap(text: string, i: number): number {
  let j = i;
  for (;;) {
    while (j < text.length && isSpace(text.charCodeAt(j))) j++;
    if (text[j] !== '/' || text[j + 1] !== '*' || text[j + 2] === '!') return j;
    const end = text.indexOf('*/', j + 2);
    if (end < 0) return j;
    j = end + 2;
  }
}

/** Where a line comment at `i` ends when more follows on a later line, else -1. */
function lineCommentEnd(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl > 0 && text.slice(nl).trim() !== '' ? nl + 1 : -1;
}
/** The end of a number token `start`..`end` that ends in letters: before a keyword glued to it. */
function numberEnd(text: string, start: number, end: number): number {
  const glued = gluedKeyword.exec(text.slice(start, end));
  const word = glued?.[1] ?? '';
  if (word !== '' && isKeyword(word)) return end - word.length;
  // a type suffix (Oracle's `1d`, `1f`) or a bare `0x` before the keyword is part of the
  // number: `1dunion select`, `0xunion select` are read as a number, then UNION
  if (/^[dfx]/i.test(word) && isKeyword(word.slice(1))) return end - word.length + 1;
  return end;
}
const emailDomain = /^@[a-z0-9-]+(?:\.[a-z0-9-]+)+/i;
const procedureName = /^(?:[a-z_]\w*\.{1,2}){0,2}(?:sp|xp)_\w*$/;
const gluedKeyword = /^[+-]?[\d.]+(?:e[+-]?\d+)?([a-z_]{2,})$/i;
/** Keywords a filter that strips them once would be given nested in themselves. */
const nestable = [...logical, ...unions, ...statements, ...clauses, 'sleep', 'benchmark'].filter((k) =>
  /^[a-z]{2,}$/.test(k),
);

/**
 * A keyword written inside itself (`oorr`, `uniunionon`, `selselectect`), which a filter that
 * removes the keyword once turns into the keyword: read as the keyword. Other words as they are.
 */
function unnested(word: string): string {
  const n = word.length;
  if (n < 4 || n % 2 !== 0 || n > 32) return word;
  for (const k of nestable) {
    if (k.length * 2 !== n) continue;
    for (let at = word.indexOf(k, 1); at > 0 && at < n - k.length; at = word.indexOf(k, at + 1))
      if (word.slice(0, at) + word.slice(at + k.length) === k) return k;
  }
  return word;
}

/** Whether a word glued after a number is a keyword that splits from it. */
function isKeyword(word: string): boolean {
  const w = word.toLowerCase();
  return logical.has(w) || unions.has(w) || statements.has(w) || clauses.has(w);
}
const unaryAfter = /[&o(,]$/;
const unaryBefore = /^\s*[\d.(@'"+~!-]/;
/** The word starting at `j` (lower-cased), or ''. */
function nextWord(text: string, j: number): string {
  let e = j;
  while (e < text.length && isWord(text.charCodeAt(e))) e++;
  return text.slice(j, e).toLowerCase();
}

const quotedPhrase = /^(?:[\w.,-]+\s+)*"[a-z][a-z\s]*"(?:\s+[\w.,-]+)*\s*$/i;
/**
 * Whether `text` has two or more `q` following a digit (`5" by 7"`) and every other one is an
 * apostrophe inside a word (`60's women's`).
 */
function measureMarks(text: string, q: string): boolean {
  let count = 0;
  for (let at = text.indexOf(q); at >= 0; at = text.indexOf(q, at + 1)) {
    if (isDigit(text.charCodeAt(at - 1))) count++;
    else if (!(isLetter(text.charCodeAt(at - 1)) && isLetter(text.charCodeAt(at + 1)))) return false;
  }
  return count >= 2;
}
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** The tokens before a stacked statement: `;` alone, or after the closed string and brackets. */
const afterBreakOut = /^s?\)*;$/;

/** Index of the quote closing a string that starts at `from` ('' escapes and \' skipped), or -1. */
function closeOf(text: string, from: number, q: string): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === q) {
      if (text[i + 1] === q) {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

// Shapes after a closed string: a logical operator then a value or call; a comment; UNION
// (with ALL or DISTINCT);
// a stacked statement; ORDER BY / GROUP BY / HAVING; an operator joining a call or a string;
// a call glued to the string; after `;`, a call or an assignment (`';x=new Date();…`: the
// JavaScript a MongoDB `$where` runs).
const afterString =
  /^\)*(?:\(+E|&(?:[nsvf(]|o[nsvf(]|b(?:o|\)*[&c;]|$|\([^)]{0,8}\))|&|k|$)|c|;(?:[Ec]|$)|U(?:\(*k?\(*E|\(|c|k|$)|E|k(?:[nbv(]|$)|o(?:f|\(|[nsv](?:$|[&c;)o])|E)|f\([nsv]|;(?:f\(|b(?:o[bnsvf(]|n)))/;
// A word, a logical operator, then values joined by operators to the end or a comment
// (`x and 1=1`, `x and 1+2=3+4--`) or a call compared (`x and cos(3)=sin(4)`): a condition
// when the text compares or comments the rest away (`kids and 3-4` is a size range).
const wordCondition = /^b&\(*(?:[nsv]\)*(?:o\(*[nsv]\)*)+(c|$)|f\([^)]{0,8}\)+o)/;
const comparison = /[=<>]|\b(?:like|rlike|regexp|between|is|in|sounds)\b/i;
// arithmetic on a number or a column, then a logical operator and an equality (`(1)*hope and 8=3`,
// `(x)+0 or 1=1`), as a word alone then one is; `1/2 and 3/4` and `10-20 or 30-40` are sizes
// (or a value closing a bracket it never opened after a word: `foo) and 4499=8923#`)
const arithmeticCondition = /^\(*[nvb]\)*(?:o\(*[nvb]\)*)+&\(*[nsvb]\)*o\(*[nsv]|^[nvb]\)+&\(*[nsvb]\)*o\(*[nsv]/;
const logicalEquality = /\b(?:and|or|xor)\s+\(*\s*[\w.'"]+\s*\)*\s*(?:=|<>|!=|<=>|\blike\b)/i;
// Bare shapes (a numeric parameter, or text appended to one): a number, then a logical
// operator with a comparison or call within a few tokens, UNION SELECT, a stacked statement,
// ORDER BY a number, or an operator and a call; or the value starts with the logical
// operator itself (`or 1=1--`, `or x=x`), with SELECT and a call, number or `*` FROM, or with
// a condition function (`if(1=2) select …`); or with a clause that only a query continues
// (`order by 2--`, `having 1=0`, `where 1=1`), closing brackets then a statement, a stacked
// statement, or a known function opened and left open (`database(`: probing which are filtered,
// `if(2=`); or closing brackets, then a logical operator with a comparison or call (`) or sleep(`,
// `) or (a=a`) or an operator and a bracket (`) like (`): a break-out of a bracketed condition;
// numbers closing more brackets than they opened, then a comma (`1,2))),0x71…`: the rest of an
// argument list); a comma then a call (`, field('a', b)`: an ORDER BY list continued); a
// variable then a statement (`@v select @v …`); a bare `;` then a comment; a number then a
// statement calling a procedure or reading a variable (`1 exec xp_…`: MSSQL stacks without `;`);
// a quoted value then a logical operator and a comparison or call (`'1' or '1'='1`); brackets
// opening a select that calls or reads (`(select substr(`); a number, a clause and a call
// (`1 order by if(1<2,a,b)`); a call, then a logical operator and a comparison or call
// (`floor(pi()) and sin(pi())=0`); a value closing brackets, then FROM a table WHERE a column is
// compared (`1) from users where name=`); a number, `;`, then a call and a statement
// (`1;if(1=1) select 1`, or `;if(…) select …` appended to any value: MSSQL's IF stacked after it).
const bareStart =
  /^[nv]\)*E\(*[fv]|^[nv](?:o[nv])*\)*U(?:$|c|n,)|^n(?:,[nsv])*\)+,[nsvf]|^,f\([nsv]|^v\)*E|^;c|^\(*[nv]\)*(?:&\(*(?:[nsvb]\)*o|f|\(|[nsv]\)*[c;]|E)|U\(*k?\(*E|;(?:E|c|$)|kn|o\(*f|o\(+E|c$)|^&\(*(?:[nsvb]\)*o[nsvbf(]|f|nc|b\([^)]{0,8}\)\)*o)|^\)+&\(*(?:[nsvb]\)*o|f)|^\)+o\(|^E(?:\(*[fv]|\(*n[,;ck]|ok|ks)|^f\((?:[nsv]o[nsv]?|f|$)|^kf\(|^E\(+f\(|^\)+E|^;E|^;&\(*[nsv]\)*o|^\)*k(?:b?k)?n(?:,n)?(?:c|;|o[nsv(])|^[nsv]\)+k[bv]k[bv]o|^\(*s\)*&\(*(?:[nsv]\)*o\(*[nsv(]|f\()|^\(+E\(*[fv]|^\(*[nv]\)*k\(*f\(|^f\([^&]{0,8}\)+&\(*(?:[nsvb]\)*o|f)|^f\([^)]{0,4}\)(?:c|;)|^\(*(?:[nv]\)*)?;f\([^)]{0,12}\)+E/;
// Statements whose shape the letters cannot tell from prose (`select x(`, `create table x (`,
// `load data infile`, `rename table a to`, `alter user x identified`, `create user x identified
// by`, `grant … to x;`): the text itself.
// `order by 3` alone: the column-count probe (the letters `kn` are also `case 12`).
// `1234 as "n" from t`: the tail of a select list (a value named by a quoted alias, then FROM)
const aliasFrom = /^\s*[\w.]+\s+as\s+(["`])[^"`]{1,40}\1\s*from\s+[\w.`"]/i;
const columnProbe = /^\s*\)?\s*(?:order|group)\s+by\s+\d{1,5}\s*$/i;
const statementText =
  /^\s*(?:select\s+[a-z_][\w.$]*\s*\(\s*['"\d@]|select\s+[\w.,\s*@]{1,80}?\s+from\s+[\w.]+\s*;|create\s+(?:table|function|procedure|trigger)\s+[\w.`"]+\s*\(|load\s+data\s+(?:local\s+)?infile\b|rename\s+table\s+[\w.`"]+\s+to\s|alter\s+(?:table|user|database|system|session|procedure|function|view|login|role)\s+[\w.`"@]+\s+(?:add|drop|modify|change|rename|set|identified|with|owner|alter|enable|disable)\b|truncate\s+table\s+[\w.`"]+|create\s+(?:user|login|role)\s+[\w.`"@']+\s+identified\s+by\b|grant\s+[\w\s,]{1,60}?\s+to\s+[\w.`"@']+\s*;)/i;
// Clauses in the order only a query writes them: CASE WHEN … THEN opening a value, GROUP BY a
// column list then HAVING.
const caseText = /^\s*\(*case\s+(?:[\w'"@.]+\s+)?when\s+\S.*?\s+then\s+\S/i;
const selectText =
  /^\s*select\s+[^;]{0,100}?[(',@*][^;]{0,100}?\s+from\s+[\w.`"]+\s+(?:where|group|order|limit|having|join|union)\b/i;
const groupHaving = /\bgroup\s+by\s+[\w.`"]+(?:\s*,\s*[\w.`"]+)*\s+having\s+\S/i;
/** Clauses in the order only a query writes them (the letters `k` and `E` alone cannot tell). */
const clauseOrder = (fp: string, text: string): boolean =>
  ((fp.startsWith('k') || fp.startsWith('(k')) && caseText.test(text)) ||
  (fp.startsWith('E') && fp.includes('k') && selectText.test(text)) ||
  (fp.includes('kbk') && groupHaving.test(text));
// Anywhere: UNION [ALL|DISTINCT] SELECT, a SELECT reading FROM inside brackets, and a call
// whose argument is a bracketed SELECT (`or {if length((select …`).
const unionSelect = /U\(*k?\(*E/;
const anywhere = /U\(*k?\(*E|\(E[^)]{0,6}k|f\(\(+E/;

/**
 * A value of nothing but SQL tokens (values, brackets, operators, keywords; no plain word) that
 * ends in a comment cutting the query off: `1*1--`, `( (select 1 or 1) ) --`, `(1 and 1) or
 * 2>1--`. Prose has words in it; a number alone before `--` is no expression.
 */
const commentedExpression = (fp: string): boolean =>
  fp.length >= 4 && sqlTokensThenComment.test(fp) && /[&oEfUk]/.test(fp) && /[nsv]/.test(fp);
const sqlTokensThenComment = /^[()nsv&oEfUk,]+c$/;

const leadingLogical = /^(?:or|and|xor)[\s+]/i;
const sqlPunctuation = /['"`;()#|]|--|\/\*/;
const openCondition =
  /^(?:or|and|xor)\s+(?:not\s+)?(?:([\w.@]+)\s*(?:=|<=>|!=|<>|\s(?:like|is|regexp|rlike)\s)\s*[\w.@]+\s*$|true\s*$|false\s*$|exists\b)/i;

/**
 * Whether `text` (already URL-decoded) reads as a SQL injection in any context; null when not.
 * Cheap exits first: plain words and numbers have none of the characters a shape needs.
 */
export function detectSqli(input: string): SqlVerdict | null {
  // control characters opening a value (`\x18 or 1=1 --`) are no token: a parser skips them
  // eslint-disable-next-line no-control-regex
  const text = input.length > 0 && input.charCodeAt(0) < 32 ? input.replace(/^[\x00-\x1f]+/, '') : input;
  if (text.length < 2) return null;
  const v = detectSqliText(text);
  if (v !== null) return v;
  // ` or true`: spaces before an open condition (read as a fingerprint above, where a lone
  // truth value has too few tokens to tell)
  if (isSpace(text.charCodeAt(0))) {
    const t = text.trimStart();
    if (leadingLogical.test(t) && !sqlPunctuation.test(t) && openCondition.test(t))
      return { context: 'bare', fingerprint: fingerprint(t, '') };
  }
  // `@@version`, `print @@servername`: a server variable, which no word or address spells
  if (text.includes('@@') && serverVariable.test(text)) return { context: 'bare', fingerprint: fingerprint(text, '') };
  // `||utl_http.request`, `(||6)`, `||'6`: a value that opens by concatenating to the string
  // it lands in (Oracle, PostgreSQL, SQLite)
  if (openingConcat.test(text)) return { context: 'bare', fingerprint: fingerprint(text, '') };
  // quotes doubled as a CSV file writes them (`"hi"") or (""a""=""a"`): read with single ones,
  // and without the quotes around the whole cell
  // (once or twice: a list quoted into a CSV file again)
  for (let t = text, round = 0; round < 2 && t.includes('""'); round++) {
    const cell = t.startsWith('"') && t.length > 2 ? t.slice(1, t.endsWith('"') ? -1 : undefined) : t;
    t = t.replaceAll('""', '"');
    const w = detectSqliText(t) ?? (cell === t ? null : detectSqliText(cell.replaceAll('""', '"')));
    if (w !== null) return w;
  }
  // `\'; desc users; --`: a backslash before the quote, for an application that strips or
  // doubles it (addslashes bypass): read with the backslashes gone as well
  if (text.includes("\\'")) {
    const w = detectSqliText(text.replaceAll("\\'", "'"));
    if (w !== null) return w;
  }
  // `md5\(`, `sleep\(5\)`: brackets escaped for a filter or a shell that strips the backslash
  if (text.includes('\\(')) {
    const w = detectSqliText(text.replace(/\\([()])/g, '$1'));
    if (w !== null) return w;
  }
  // `or (exists)`, `and not exists(…`: a condition opening the value on whether a sub-query
  // returns rows (the words alone pass above; with a bracket it is no prose)
  if (existsCondition.test(text)) return { context: 'bare', fingerprint: fingerprint(text.trimStart(), '') };
  // `--sp_password`: a comment naming that procedure makes SQL Server leave the whole
  // statement out of its trace log, so an injection carries it to hide itself
  if (text.includes('sp_password') && hiddenFromTrace.test(text))
    return { context: 'bare', fingerprint: fingerprint(text, '') };
  // `uni/**/on sel/**/ect`: an empty comment inside a word, for a filter that strips comments
  if (text.includes('/**/')) {
    const joined = text.replace(/(?<=\w)\/\*\*\/(?=\w)/g, '');
    if (joined !== text) {
      const w = detectSqliText(joined);
      if (w !== null) return w;
    }
  }
  // `/*!50000union*/`, `1/*!1111'*/`, `/*+ index(t) */`: comments a database reads (MySQL runs
  // what a versioned comment holds, Oracle takes hints from `/*+`), which no prose writes: with
  // a version number, SQL, or closed within a few words
  if (text.includes('/*')) {
    const m = executableComment.exec(text);
    if (m !== null && (m[1] !== '' || m[3] !== undefined || /[EUk&f]/.test(fingerprint(m[2] ?? '', ''))))
      return { context: 'bare', fingerprint: fingerprint(text, '') };
  }
  // `'{"a":1}' @> …`, `->> '$.x'`: a quoted JSON document or path beside a JSON operator
  // (PostgreSQL, SQLite, MySQL): a condition no filter on SQL keywords sees
  if (/[[{$]/.test(text) && jsonOperand.test(text)) return { context: 'bare', fingerprint: fingerprint(text, '') };
  // `*/=1--`, `*/ or 1=1--`: a value that closes a comment another parameter opened
  // (`user=admin'/*&pass=*/…`, the filter sees two harmless halves), then a query's tail
  const close = text.indexOf('*/');
  if (close >= 0 && text.lastIndexOf('/*', close) < 0) {
    const fp = fingerprint(text.slice(close + 2), '');
    if (fp.length > 1 && /[&oUc;]/.test(fp) && afterString.test(fp)) return { context: 'bare', fingerprint: `*/${fp}` };
  }
  // `user()`, `iif(`, `select char(`, `match(a) against(`, `merge into t using`,
  // `x procedure analyse(`, `end);`, `' regexp x`, `div(1,2)`: calls and clauses that only a
  // query writes, wherever they stand (`User(login_name)` is a field list's notation, not SQL);
  // `… user(` left open at the value's end probes which of those calls a filter lets through
  if ((/['"`()]/.test(text) || /merge\s/i.test(text)) && queryFragment.test(text))
    return { context: 'bare', fingerprint: fingerprint(text, '') };
  // `backup database x to disk='\\host\share'`: an MSSQL statement copying the data out
  if (text.length > 20 && adminStatement.test(text)) return { context: 'bare', fingerprint: fingerprint(text, '') };
  // `pg_ls_dir('.')`, `json_extract(…)`: a value that opens with a call of a function only a
  // database has
  // (read as the tokenizer reads it: `json_extract/**/(`, comments between name and bracket)
  const lead = text.includes('(') ? leadingWord.exec(text) : null;
  const name = (lead?.[1] ?? '').toLowerCase();
  // (a known function whose name has an underscore: `char_length(x)`, `group_concat(x)`)
  if (
    lead !== null &&
    (dbFamily.test(name) || databaseOnlyFunctions.has(name) || (name.includes('_') && functions.has(name)))
  ) {
    const fp = fingerprint(text, '');
    if (fp.startsWith('f(')) return { context: 'bare', fingerprint: fp };
  }
  // `hi or a=a`, `1or1=1`: a logical operator and a comparison of a thing with itself
  const same = equalOperands.exec(text);
  if (same !== null) return { context: 'bare', fingerprint: fingerprint(same[0], '') };
  // `(1234=1234)*1`, `1*('a'='a')`: a number or a quoted value compared with itself in
  // brackets, a truth value that arithmetic turns into 1 (sqlmap's boundaries, a numeric
  // parameter's blind test); no form or search writes an equality of a thing with itself
  if (text.includes('=')) {
    const bracketed = bracketTautology.exec(text);
    if (bracketed !== null) return { context: 'bare', fingerprint: fingerprint(bracketed[0], '') };
  }
  // `0x77616974666f72…`: a hex literal (MSSQL `exec(@x)`, MySQL `prepare`) spelling a statement,
  // in single bytes or UTF-16 (every other byte 00)
  const hex = hexLiteral.exec(text);
  if (hex !== null) {
    const digits = (hex[1] ?? '').slice(0, 400);
    const spelled = Buffer.from(digits.slice(0, digits.length & ~1), 'hex')
      .toString('latin1')
      .replaceAll('\0', '');
    if (/^[\x20-\x7e]+$/.test(spelled) && (statementOpening.test(spelled) || detectSqliText(spelled) !== null))
      return { context: 'bare', fingerprint: `0x:${fingerprint(spelled, '')}` };
  }
  // `and/**/true`, `create/**/table/**/t/**/(…)`: comments for spaces, which the tokenizer
  // skips but the checks on the text (open conditions, statements, clause order) would not
  // see as spaces; read once more with each closed comment a space (executable ones were read
  // above)
  if (text.includes('*/')) {
    const spaced = text.replace(plainComment, ' ');
    if (spaced !== text) return detectSqli(spaced);
  }
  return null;
}
const plainComment = /\/\*(?![!+])[\s\S]*?\*\//g;

const existsCondition =
  /^\s*(?:or|and|xor|\|\||&&)\s*\(+\s*(?:not\s+)?exists\b|^\s*(?:or|and|xor|\|\||&&)\s+(?:not\s+)?exists\s*\(/i;
const hiddenFromTrace = /(?:--|#|\/\*)\s*sp_password\b/i;
const executableComment = /\/\*\s*(?:m?!|\+)(\d*)([^*]{0,60})(\*\/)?/i;
const jsonOperand =
  /['"`]\s*[[{][^}\]#]*[\]}]+\s*['"`]\s*(?:::\s*jsonb?\s*)?(?:[-<>@?#|=!]|\|\|)|(?:[-<>@?#|=]|\|\|)\s*['"`]\s*(?:[[{][^}\]#]*[\]}]|\$[.[])/;
const adminStatement = /^\s*(?:backup|restore)\s+(?:database|log)\s+[\w.[\]"`]+\s+(?:to|from)\s+\w+\s*=/i;
// Function families by prefix: PostgreSQL (`pg_`, `lo_`), SQLite, Oracle packages, JSON and spatial SQL.
const dbFamily = /^(?:pg|lo|sqlite|dbms|utl|ctxsys|json|jsonb|st|sys|xp|sp)_[a-z]\w*$/;
const leadingWord = /^\s*([a-z_]\w*)/i;
const queryFragment =
  /\b(?:connection_id|current_user|session_user|system_user|database|schema|user|version|last_insert_id|row_count|found_rows)\s*\(\s*(?:\)|$)|\biif\s*\(|\b(?:alter|create|delete|desc|insert|load|rename|select|truncate|update)\s+(?:char|group_concat|load_file)\s*\(|\bmatch\s*\([^)]{1,60}\)\s*against\s*\(|\bmerge\s+into\s+[\w.`"[\]]+\s+(?:as\s+)?(?:\w+\s+)?using\b|\bprocedure\s+analyse\s*\(|\bend\s*\)\s*;|['"`]\s+(?:regexp|rlike)\W|\bdiv\s*\(\s*[+-]*[\d.]+\s*,\s*[+-]*[\d.]+\s*\)/i;
const serverVariable = /(?:^|[\s(,;=+|&])@@[a-z_]\w*/i;
const openingConcat = /^[\s(]*\|\|\s*(?:['"(\d]|[a-z_]\w*\.[a-z_]|[a-z_]\w*\s*\()/i;
const bracketTautology = /\(\s*(?:(\d{1,12})\s*=\s*\1|(['"])([^'"]{0,20})\2\s*=\s*\2\3\2)\s*\)/;
const equalOperands = /(?:^|[^a-z])(?:or|and)\s*(['"]?)([\w.]+)\1\s*(?:=|\slike\s)\s*(['"]?)\2\3(?![\w.])/i;
const quotedComparison = /^\s*(['"])[^'"]{0,40}\1\s*(?:!=|<>|<=>|=)\s*['"\d]/;
const hexLiteral = /^\s*0x([0-9a-f]{16,})/i;
const statementOpening =
  /^\s*(?:select|insert|update|delete|drop|exec|execute|declare|waitfor|create|alter|truncate|shutdown)\s/i;

// `aa' xor- column != -'0`, `1'*x is not \\N - '`: the string closed, an expression of values,
// words and operators, then an operator and the string opened again for the application's own
// closing quote (MySQL compares and converts whatever the types). Only when every quote pairs
// so (an even count: `o'neil - 'the best'` leaves one open), with an operand among the
// operators (`x='<%'` is markup's), and without a call or a tag in it (`x"><img class="y`, on
// libinjection's false positives; `'-alert(1)-'` is script in a JavaScript string, the XSS
// rules' to name).
const reopened = /^[nbv&o]*[&o][nbv&o]*os$/;
const callIn = /[a-z_$][\w$]*\s*[(`]/i;
const tagIn = /<[a-z!/]/i;
const reopenedString = (fp: string, text: string, q: string): boolean =>
  reopened.test(fp) && /[nbv]/.test(fp) && text.split(q).length % 2 === 1 && !callIn.test(text) && !tagIn.test(text);
// `1=1 and ((1))`: two values compared, then a logical operator and another operand, opening
// the value (`10-20 and 30` is a size range: the operator must compare)
const comparedThenLogical = /^\(*[nv]\)*o\(*[nv]\)*&\(*[nvsf(]/;
const comparisonOpening = /^[\s(]*[\d.@][\w.@]*[\s)]*(?:=|<>|!=|<=>|<=?|>=?)/;

function detectSqliText(text: string): SqlVerdict | null {
  // a phrase in double quotes among words (`"union" by robert`, `browning "like"`) is a search
  // for the exact words (applications quote SQL values with '), and quotes that each follow a
  // digit are inch and foot marks (`16" or 18"`, `1950' and 60's`)
  const hasSingle = text.includes("'") && !measureMarks(text, "'");
  const hasDouble = text.includes('"') && !measureMarks(text, '"') && !quotedPhrase.test(text);
  // (after the closed string, UNION SELECT anywhere in the shape: `1' in boolean mode) union
  // all select …` closes a full-text search first; the words in that order are SQL wherever
  // they stand, which the union rule's regex already holds)
  if (hasSingle) {
    const fp = fingerprint(text, "'");
    if (fp !== '' && (afterString.test(fp.slice(1)) || unionSelect.test(fp) || reopenedString(fp.slice(1), text, "'")))
      return { context: "'", fingerprint: fp };
  }
  if (hasDouble) {
    const fp = fingerprint(text, '"');
    if (fp !== '' && (afterString.test(fp.slice(1)) || unionSelect.test(fp) || reopenedString(fp.slice(1), text, '"')))
      return { context: '"', fingerprint: fp };
  }
  // a value MySQL puts between backticks (a column or table named by the request: sort keys,
  // filters): closing the name breaks out just as closing a string does (`x`;`, `a` or 1=1`)
  if (text.includes('`')) {
    const fp = fingerprint(text, '`');
    if (fp !== '' && afterString.test(fp.slice(1))) return { context: '`', fingerprint: fp };
  }
  // A value that opens with the logical operator and has no quote, bracket, comment or `;`
  // (a gate lets `or …` through at a value's start): only a condition that is true whatever the
  // row, an equality, LIKE, IS or a bare truth value, reads as an injection (`or 1=1`, `or a = a`,
  // `and true`); `or 1 <3` and `and more` are words.
  if (leadingLogical.test(text) && !sqlPunctuation.test(text))
    return openCondition.test(text) ? { context: 'bare', fingerprint: fingerprint(text, '') } : null;
  const fp = fingerprint(text, '');
  // `'x'!='y`: a quoted value compared with another quoted value opens the value
  if ((fp.startsWith('sos') || fp.startsWith('son')) && quotedComparison.test(text))
    return { context: 'bare', fingerprint: fp };
  if (
    bareStart.test(fp) ||
    anywhere.test(fp) ||
    (comparedThenLogical.test(fp) && comparisonOpening.test(text)) ||
    commentedExpression(fp) ||
    wordCondition.exec(fp)?.[1] === 'c' ||
    (wordCondition.test(fp) && comparison.test(text)) ||
    (arithmeticCondition.test(fp) && logicalEquality.test(text)) ||
    ((fp.startsWith('E') || fp.startsWith('b')) && statementText.test(text)) ||
    ((fp === 'kn' || fp === ')kn') && columnProbe.test(text)) ||
    (fp.startsWith('nk') && aliasFrom.test(text)) ||
    clauseOrder(fp, text)
  )
    return { context: 'bare', fingerprint: fp };
  return null;
}
