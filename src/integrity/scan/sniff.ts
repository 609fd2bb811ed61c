// Which languages a file holds, read from its bytes as well as its name: attackers hide PHP in
// `.ico`, `.png` and `.gif` files (polyglots that start with `GIF89a`), `.txt`, extensionless
// and dot files and then include them, and drop skimmers in files named like anything. Real
// binaries are recognised fast (magic numbers, NUL bytes) and still searched for an embedded
// `<?php`, the one thing an image must never hold.

import { languagesOf, type Language } from './languages.ts';

/** An opening PHP tag: `<?php`, `<?=`, a short tag before code, or PHP 5's `<script language="php">`. */
export const phpOpenTag =
  /<\?(?:php\b|=)|<\?\s*(?:\$|@|eval|if\s*\(|error_reporting|\/\*|\/\/|#|function|set_time_limit|ini_set|echo|header|session_start|define|class|include|require)|<script\b[^>]*?\blanguage\s*=\s*["']?php\b/i;
/**
 * A file that opens with a short tag and a space (`<? file_put_contents(...)`) is PHP whatever
 * follows: an XML declaration has its name right after `<?`, never a space.
 */
const shortOpenFirst = /^(?:\xef\xbb\xbf)?\s*<\?\s/;
const htmlShape =
  /<(?:!doctype\s+html|html\b|head\b|body\b|script\b|iframe\b|form\b|div\b|meta\b|svg\b|img\b[^>]*\bon\w+\s*=)/i;
const scriptTag = /<script\b/i;
/** JavaScript by shape: keywords and punctuation that prose and data rarely have together. */
const jsShape =
  /(?:\bfunction\s*[\w$]*\s*\(|=>|\bvar\s+[\w$]+\s*=|\b(?:let|const)\s+[\w$]+\s*=|\bdocument\.|\bwindow\.|\bjQuery\s*\(|\$\(\s*['"]|\beval\s*\(|\batob\s*\(|\bString\.fromCharCode\b|\bnew\s+(?:Image|XMLHttpRequest|WebSocket)\b)/;

/**
 * Apache per-directory configuration by its directives (a `.htaccess` saved under another
 * name): read only when nothing else was recognised, so a text that merely mentions one costs
 * nothing more than this test.
 */
const serverConfigShape =
  /^[ \t]*(?:<(?:Files|FilesMatch|IfModule|Directory|Location)\b|(?:AddType|AddHandler|SetHandler|ForceType|RewriteEngine|RewriteRule|php_value|php_flag)[ \t]|auto_(?:prepend|append)_file[ \t]*=)/im;

/**
 * PHP without its opening tag: a fragment cut from an infected file, or code written to be
 * included or eval'd. Read by shape: statements on `$variables` ending in `;`, braces.
 */
const phpVariableStatement =
  /^[ \t]*(?:@?\$[A-Za-z_]\w*(?:\[[^\]\n]*\])*\s*(?:[.+-]?=[^=>]|->)|if\s*\(\s*(?:isset|!?empty|@?\$)|foreach\s*\(\s*\$|(?:error_reporting|set_time_limit|ini_set)\s*\()/;

function looksLikePhpFragment(head: string): boolean {
  if (/^\s*</.test(head) || !/\$[A-Za-z_]\w*/.test(head)) return false;
  let statements = 0;
  let shaped = 0;
  let lines = 0;
  for (const raw of head.slice(0, 8192).split('\n', 200)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('//') || line.startsWith('#') || line.startsWith('*') || line.startsWith('/*'))
      continue;
    lines++;
    if (phpVariableStatement.test(line)) statements++;
    if (/[;{}]$|[;{]\s*(?:\/\/.*)?$/.test(line)) shaped++;
  }
  // Mostly statement-shaped lines; or, where a call spans lines (a mail() with its message
  // written out), several assignments to variables and half the lines ending as statements do.
  return (
    (statements >= 1 &&
      shaped * 10 >= lines * 7 &&
      (statements >= 2 || /\$_(?:GET|POST|REQUEST|COOKIE|FILES|SERVER)\b/.test(head))) ||
    (statements >= 3 && shaped * 2 >= lines)
  );
}

/** True when the first bytes look like a binary file (NUL bytes or a known magic number). */
function looksBinary(head: string): boolean {
  // indexOf is the engine's fast search; a char-by-char loop over 4 KB of every file is not.
  const i = head.indexOf('\0');
  return i !== -1 && i < 4096;
}

const imageMagic = /^(?:GIF8[79]a|\x89PNG|\xff\xd8\xff|BM|\x00\x00\x01\x00|RIFF....WEBP)/s;

/**
 * The languages to analyse `text` (latin1) as: those its name says, plus those its content
 * shows. An image whose bytes hold PHP is PHP.
 */
export function sniffLanguages(rel: string, text: string): Language[] {
  const byName = languagesOf(rel);
  const out = new Set<Language>(byName);
  const head = text.slice(0, 65536);
  if (looksBinary(head) || imageMagic.test(head)) {
    // A binary file matters only if PHP hides inside it.
    if (/<\?(?:php\b|=)/i.test(text)) out.add('php');
    return [...out];
  }
  if (
    phpOpenTag.test(head) ||
    shortOpenFirst.test(head) ||
    (byName.length === 0 && (phpOpenTag.test(text) || looksLikePhpFragment(head)))
  )
    out.add('php');
  if (htmlShape.test(head) || scriptTag.test(text)) {
    out.add('html');
    out.add('js');
  } else if (!out.has('php') && jsShape.test(head)) out.add('js');
  if (out.size === 0 && serverConfigShape.test(head.slice(0, 4096))) out.add('server-config');
  return [...out];
}
