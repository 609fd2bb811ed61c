// Command injection by structure, not by a list of payloads: a value is read as a shell (or
// Windows command line) would read it. Obfuscation inside words (`c''at`, `c\at`, `w$@hoami`,
// `${IFS}` as a space) is undone first; then it is an injection when it holds a command
// substitution (`$(…)`, backticks, `<(…)`, `${VAR#…}`), a command after a separator (`;`, `|`,
// `&&`, `||`, a newline, or `&` before an unmistakable command), starts with a command and an
// argument a shell would take (`cat /etc/passwd`, `ping -c 3 …`), uses Windows batch syntax
// (`for /f … in (…) do`, `if exist …`), brace expansion of a command (`{cat,/etc/passwd}`,
// `{,ip,a}`), tilde or history expansion (`~+`, `!-2`), a program path as an argument, or a glob
// that spells a system path or folder (`/e?c/pa[s]swd`, `/usr/[a-z]in/bash`, `/e[t]c`). Pure and bounded.

/** Commands whose name is (almost) never a plain word in a shop's URLs. */
const strong = new Set(
  (
    'whoami uname ifconfig ipconfig netstat nslookup wget curl nc ncat netcat bash zsh ksh csh tcsh dash busybox ' +
    'python python2 python3 perl ruby php powershell pwsh cmd certutil bitsadmin mshta rundll32 regsvr32 wmic ' +
    'iwr iex irm iwmi gwmi invoke-webrequest invoke-expression invoke-restmethod start-process get-content ' +
    'systeminfo tasklist taskkill chmod chown chgrp base64 xxd telnet nohup crontab useradd usermod sudo mkfifo ' +
    'gunzip bunzip2 bcdboot vssadmin schtasks icacls nltest dsquery setsid socat uname64 sh.exe cmd.exe ' +
    'lastlog lastlogin rmt rmt-dump aptitude htop zstdcat unxz xzcat zcat bzcat lzcat visudo regedit ' +
    'powershell.exe net.exe strace ltrace gdb cpulimit flock base32 base58 ansible ansible-playbook ansible-vault ' +
    'ansible-galaxy ansible-console ansible-doc ansible-inventory ansible-pull ansible-config chef-client ' +
    'chef-shell chef-run chef-vault cscli irb tclsh nmap tcpdump openssl sqlite3 mysqldump kubectl systemctl ' +
    'journalctl iptables chattr setfacl sudoedit pkexec nsenter unshare chroot gawk mawk nawk jjs jrunscript ' +
    'ssh-keygen sshpass rsync sftp netsh sysinfo wevtutil gcc ' +
    // package managers, archivers and network tools with names no word has
    '7z 7za 7zr arp dnf ghc gpg jq ldd lz4 mtr rpm svn w3m yum apt-get dpkg ping6 traceroute6 ' +
    // Windows' script hosts, installers and admin tools
    'wscript cscript msiexec forfiles findstr qwinsta quser qprocess tracert pathping nbtstat klist cmdkey ' +
    'auditpol bcdedit takeown dsget'
  ).split(' '),
);

/** Commands that are also words: need a shell-shaped argument or a strong separator before them. */
const weak = new Set(
  (
    'cat ls ps dir type echo printf ping sleep find grep egrep head tail awk sed sort uniq cut tr wc xargs env ' +
    'export eval exec set kill pkill rm cp mv mkdir rmdir touch tar unzip zip gzip dig host who w last more less ' +
    'timeout time date hostname sh su ssh scp ftp tftp net reg sc copy del move start call md rd ver vol ' +
    'nslookup.exe tee od strings file stat lsof top df du mount column fold comm perf route nice ionice watch ' +
    'alias trap exit pwd ' +
    // short commands that are also abbreviations (`dd`, `df`, `ip`, `git`)
    'dd df du git gem npm pip ip nl nm tac pax ln'
  ).split(' '),
);

// `rmt-tar`, `curl-config`: a strong command's name with a suffix is a sibling program of it
const isCommand = (w: string): boolean =>
  strong.has(w) || weak.has(w) || w === 'id' || (w.includes('-') && strong.has(w.slice(0, w.indexOf('-'))));

/** Words that start a command line when followed by an argument a shell would take. */
const leads = new Set(
  (
    'cat ls ps dir echo printf ping sleep grep egrep awk sed xargs env eval exec kill pkill rm cp mv mkdir touch ' +
    'tar unzip gzip dig sh su ssh scp ftp tftp net reg sc del od strings lsof mount tee id type alias trap ' +
    'time timeout nice watch column fold comm perf head tail find route dd df du git ip ln nl nm tac'
  ).split(' '),
);

// `$'\x77\150o…'`: bash's ANSI-C quoting, whose escapes (hex, octal, `\u`) are the characters
// they stand for (runs of them were decoded with the value; one among letters was not)
const ansiQuoted = /\$'((?:[^'\\]|\\.){1,200}?)'/g;
const ansiText = (_m: string, body: string): string =>
  `'${body.replace(/\\(?:x([0-9a-f]{1,2})|u([0-9a-f]{4})|([0-7]{1,3}))/g, (_e, x?: string, u?: string, o?: string) =>
    String.fromCharCode(x !== undefined ? parseInt(x, 16) : u !== undefined ? parseInt(u, 16) : parseInt(o ?? '0', 8)),
  )}'`;

/** Undoes the obfuscations shells ignore inside a word, and `$IFS`-style spaces. */
function unobfuscate(v: string): string {
  return (
    v
      .replace(/\$\{ifs\}|\$ifs\b|\$\{ifs%\?\?\}/g, ' ')
      // (and an empty command substitution, `wh$()oami`, ``wh``oami``: it expands to nothing)
      .replace(/(\w)(?:''|""|\\(?=\w)|\$@|\$\{?[*@]\}?|\^(?=\w)|\$\(\)|``)+(?=\w)/g, '$1')
      // `$'…'` and `$"…"`: bash's ANSI-C and locale quoting, read as the quotes (the escapes in
      // them, `$'\x77\150…'`, were decoded with the rest of the value)
      .replace(/\$(?=['"])/g, '')
      // empty quotes beside a word or a glob (`/e''*?/`, `''cat`) are nothing to the shell
      .replace(/(?<=[\w*?\]])(?:''|"")+|(?:''|"")+(?=[\w*?[])/g, '')
      // `\ls`, `{\cat,…}`, `/\e\t\c`, `*\d`: a backslash before a letter is ignored (also doubled,
      // an escape for a layer in between, JSON or a second shell: `c\\a\\t \\/\\e…`)
      .replace(/(^|[\s;|&/])\\(?=[a-z])/g, '$1')
      .replace(/(?<=[/{,*?])\\{1,2}(?=[a-z])|(?<=\w)\\\\(?=\w)|(?<=^|[\s;|&])\\{1,2}(?=\/)/g, '')
      // `|$u wget`: a lone variable opening a command line expands to nothing (unset) before the command
      .replace(/(^|[;|&\n]\s*)\$[a-z_]\w*\s+(?=[a-z])/g, '$1')
      .replace(/\[([a-z])\]/g, '$1')
  ); // `[u]name`: a one-letter class is the letter
}

const sensitive = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/group',
  '/etc/hosts',
  '/etc/issue',
  '/etc/hostname',
  '/bin/sh',
  '/bin/bash',
  '/bin/cat',
  '/bin/ls',
  '/bin/nc',
  '/usr/bin/bash',
  '/usr/bin/id',
  '/usr/bin/whoami',
  '/usr/bin/wget',
  '/usr/bin/curl',
  '/usr/bin/nc',
  '/usr/bin/python',
  '/usr/bin/perl',
  '/usr/bin/cat',
  '/proc/self/environ',
];

const systemDirs = [
  '/etc',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/dev',
  '/proc',
  '/tmp',
  '/var',
  '/root',
  '/boot',
];

/** A path with glob characters that matches a system path (`/e??/pa*wd`) or folder (`/e[t]c`). */
function globPath(v: string): string | null {
  for (const m of v.matchAll(/\/[\w.?*[\]\-/!^]*[?*[][\w.?*[\]\-/!^]*/g)) {
    const g = m[0];
    if (g.length > 80) continue;
    // the glob, and each part of it before a later slash (`/etc/[!q]asswd/items`: a routed
    // value with the route's own segments after it)
    const ends = [g.length];
    for (let i = 1, depth = 0; i < g.length; i++)
      if (g[i] === '[') depth++;
      else if (g[i] === ']') depth = Math.max(0, depth - 1);
      else if (g[i] === '/' && depth === 0 && /[?*[]/.test(g.slice(0, i))) ends.push(i);
    for (const end of ends.slice(0, 4)) {
      const hit = globHit(g.slice(0, end));
      if (hit !== null) return hit;
    }
  }
  return null;
}

/** What the glob `g` spells: a sensitive path or a system folder, or null. */
function globHit(g: string): string | null {
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '?') re += '[^/]';
    else if (c === '*') re += '[^/]*';
    else if (c === '[') {
      const end = g.indexOf(']', i + 2);
      if (end < 0) return null;
      const body = g.slice(i + 1, end).replace(/^[!^]/, '^');
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.\\/+()|{}$]/g, (x) => `\\${x}`);
  }
  let rx: RegExp;
  try {
    rx = new RegExp(`^${re}$`);
  } catch {
    return null;
  }
  const hit = sensitive.find((p) => rx.test(p));
  if (hit !== undefined && /[?*[]/.test(g)) return `${g} -> ${hit}`;
  // a system directory spelled with a class or `?` and two letters kept (`/e[t]c`, `/b?n/`):
  // `*` alone, or fewer letters, would spell too many folders a shop has
  const letters = g.replace(/\[[^\]]*\]/g, '').replace(/[^a-z]/g, '').length;
  const dir = letters >= 2 && /[?[]/.test(g) ? systemDirs.find((d) => rx.test(d) || rx.test(`${d}/`)) : undefined;
  return dir === undefined ? null : `${g} -> ${dir}`;
}

const shellList = /(?:^|[\s,'"[(/])(?:ba|da|z|k|c|tc|fi|a)?sh['"]?\s*,\s*['"]?-c['"]?\s*,/;

const word = String.raw`(?:[\w.~-]*[/\\])*([a-z][\w.-]*)`;
// (a subshell's bracket may open the command: `&&(sh)`)
const afterSep = new RegExp(String.raw`([;|\n\r\`]|&&|\|\|)\s*(?:\(\s*)?['"]?${word}(?=$|[\s<>|;&'"\`$(){},]|%)`, 'g');
// … and a group's bracket, `!` or an assignment (`;{id}`, `|! ls`, `;a=1 id`): a second
// pattern, used only for values with such characters (the first stays fast)
const afterSepPrefixed = new RegExp(
  String.raw`([;|\n\r\`]|&&|\|\|)\s*(?:[({!]\s*|[a-z_]\w*=[^\s;|&]*\s+)*['"]?${word}(?=$|[\s<>|;&'"\`$(){},]|%)`,
  'g',
);
const afterAmp = new RegExp(String.raw`(?:^|[^&])&\s*${word}(?=$|[\s<>|;'"\`$(){}]|%)`, 'g');
// `&bcdboot/r x`: a Windows command takes its switches glued to its name
const ampSwitch = /(?:^|[^&])&\s*([a-z][\w-]*)(?:\.exe)?\/[a-z?]/g;
const leading = new RegExp(
  String.raw`^\s*${word}\s+(-{1,2}[a-z]|/\w|[a-z]:(?:[\\/]|\s|$)|\\\\|~/|\.\.?/|\$|\d+(?:\.\d+){3}\b|\d+\s*$|[<>|]|https?:\/\/|\w+=|/[[?*])`,
);

/** Commands that only look the host over, taken alone as a value (or a routed path's segment). */
export const reconCommands: readonly string[] = [
  'whoami',
  'ifconfig',
  'ipconfig',
  'systeminfo',
  'tasklist',
  'netstat',
  'uname',
];
/** Commands that are also words, taken as a command alone after a `&` opening a value (`&id`, `& pwd`). */
export const aloneAfterAmp: readonly string[] = ['id', 'ls', 'pwd', 'dir', 'ps', 'env', 'who'];
const recon = new RegExp(`^\\s*(?:${reconCommands.join('|')})(?:\\.exe)?\\s*$`);

/**
 * Words that can open a command line a value is read as (for the cheap prefilter that gates
 * this reader: it must let through every value the reader could match).
 */
export const commandWords: readonly string[] = [...new Set([...strong, ...leads, 'for', 'if', 'which', 'whereis'])]
  .filter((w) => !w.includes('.'))
  .sort((a, b) => b.length - a.length);

// `/bin/x`, `/usr/local/sbin/x`: a program's path in a system binary directory.
// Also after a space, quote or separator: an argument (`x /bin/sh -c …`, `'/usr/bin/id'`).
const binPath = /(?:^|[\s'"(;|&])(\/?)(?:usr\/(?:local\/)?)?s?bin\/([a-z][\w.+-]{0,30})(?:$|[\s'";|&)])/;
// A value opening with a command the shell takes whole, then a separator (`whoami;…`); and any
// command line when the value holds a newline (the first line is a command line too).
const strongOpen = /^\s*['"]?([a-z][\w.-]*)['"]?\s*[;|&\n\r]/;
const lineOpen = /^\s*['"]?([a-z][\w-]*)['"]?(?:\s|$)/;
/**
 * Arguments smuggled into a program the application runs (argument injection), in two shapes:
 * options no text but a command line holds — sendmail's log file and queue through a mail
 * sender's address (PHPMailer's CVE-2016-10033: `-X/var/www/x.php`, `-OQueueDirectory=/tmp`),
 * ssh's `-oProxyCommand=`, git's and tar's options that run a command; and a value that is only
 * options with numbers and a host (`-c 10 127.0.0.1`, where a ping form's host goes).
 * (structure.ts's cmdi gate holds a superset of it: argumentGate.)
 */
const argumentInjection =
  /(?:^|[\s"'])-x\s*\/[\w./-]*\.ph(?:p\d?|tml|ar)\b|(?:^|[\s"'/])-o\s*(?:queuedirectory|proxycommand)=|--(?:upload-pack|receive-pack|exec|checkpoint-action|to-command|use-compress-program|rsh-command)=\S|^\s*(?:-{1,2}[a-z][\w-]*(?:[\s=]+\d+)?\s+)+(?:\d{1,3}(?:\.\d{1,3}){3}|[a-z\d-]+(?:\.[a-z\d-]+)*\.[a-z]{2,})\s*$/;
// A separator, a (maybe quoted) word, then an option or a path: a command line even when the
// command is not one this file knows (`;perf --version`, `|'rmt' -x`, `&& flock -u / x`).
const sepOptions =
  /(?:^|[;|\n]|&&)\s*['"]?[a-z][\w.-]{1,30}['"]?\s+(?:-{1,2}[a-z][\w-]*(?:[\s=]|$)|\/[\w.]*(?:\/|\s|$)|~\/)/;
// Windows administration commands opening a value or a command line (`net view`, `netsh firewall …`).
// (also after a separator: `x & route print`, `| sc qc demo`)
const windowsLead =
  /(?:^|[;|&\n])\s*(?:net\s+(?:view|user|users|localgroup|group|share|use|session|accounts|config|start|stop)\b|netsh\s+[a-z]+\s|reg\s+(?:query|add|delete|save|export)\s|wmic\s+[a-z]+|sc\s+(?:query|qc|create|config|start|stop)\b|route\s+(?:print|add|delete)\b)/;

// Commands that run the command after them (`time sh -c …`, `nice -n 5 cat …`, `sudo -u x id`),
// with their options: what follows is read as the command line.
const runsNext =
  /^\s*(?:(?:time|nice|nohup|sudo|doas|env|timeout|xargs|setsid|stdbuf|ionice|exec|command|builtin|chronic)\s+(?:(?:-{1,2}[a-z][\w-]*(?:=\S*)?|\d+(?:\.\d+)?[smhd]?|[a-z_]\w*=\S*)\s+)*)+/;

// PowerShell opening a value: `powershell` (or `pwsh`) with a cmdlet (verb-noun), one of its
// download or run aliases, or script syntax (`$x`, `{…}`) as its argument, which it runs as a
// command line (not `powershell cookbook`); or such an alias given a bracketed or quoted
// argument (`iex(new-object net.webclient)…`). After a separator, afterSep finds them.
export const psAliases: readonly string[] = [
  'iex',
  'iwr',
  'irm',
  'invoke-expression',
  'invoke-webrequest',
  'invoke-restmethod',
];
const psOpen = new RegExp(
  String.raw`^\s*['"]?(?:(?:powershell|pwsh)(?:\.exe)?['"]?\s+(?:(?:${psAliases.join('|')})\b|(?:get|set|new|invoke|start|stop|remove|add|out|write|import|export|convertto|convertfrom|test|select|foreach|where)-[a-z]{3,}|[$\{])|(?:${psAliases.join('|')})\s*[($'"])`,
);

/** The command of a command line that opens `text` with an argument only a shell takes, or null. */
function commandWithArgument(line: string): string | null {
  const prefix = runsNext.exec(line);
  return (prefix === null ? null : commandOpening(line.slice(prefix[0].length))) ?? commandOpening(line);
}

function commandOpening(text: string): string | null {
  const lead = leading.exec(text);
  if (lead === null) return null;
  const lw = (lead[1] ?? '').replace(/\.exe$/, '');
  // a bare number only makes `sleep 5` or `ping 10` a command, not `id 5`
  const arg = lead[2] ?? '';
  const bareNumber = /^\d+\s*$/.test(arg) && !/^(?:sleep|ping|timeout)$/.test(lw);
  // `x=y` only follows commands that set things (`alias a=b`) or take operands so (`dd if=…`), not `type a=b`
  const assignment = /^\w+=$/.test(arg) && !/^(?:alias|env|export|set|dd)$/.test(lw);
  return !bareNumber && !assignment && (strong.has(lw) || leads.has(lw)) ? (lead[1] ?? lw) : null;
}

export interface CmdiMatch {
  reason: string;
}

/**
 * A value, as a shell would read it; null when it is not command injection. A value without a
 * space (or with `+` beside a separator or its command) but with `+` is read again with `+` as the space a form encoding meant (`+|+dir+c:/`,
 * `127.0.0.1+&&+ls+/etc`: encoded once more, the `+` reached the application as itself).
 */
export function detectCmdi(value: string): CmdiMatch | null {
  const r = readCmdi(value);
  if (r !== null) return r;
  // (with spaces of its own too, when a `+` stands beside a separator or glued to the word after one: `$&&dir+c:`)
  const plus =
    !value.includes('+') || (/\s/.test(value) && !/[;|&]\+|\+[;|&]|[;|&][a-z][\w.-]*\+/.test(value))
      ? null
      : readCmdi(value.replaceAll('+', ' '));
  if (plus !== null) return plus;
  // `/b'i'n/c'a't`: quoted letters inside a word are the word to the shell (a reading of its
  // own: a whole argument in quotes, `x '/usr/bin/id'`, is read with its quotes above)
  // (again for parts quoted side by side, `'a'"t"`)
  let joined = value;
  for (let n = 0; n < 3 && (joined.includes("'") || joined.includes('"')); n++) {
    const next = joined.replace(quotedPart, '$2$4');
    if (next === joined) break;
    joined = next;
  }
  const j = joined === value ? null : readCmdi(joined);
  if (j !== null) return { reason: `${j.reason} (quotes inside words joined)` };
  const assigned = withAssignments(value);
  const a = assigned === null ? null : readCmdi(assigned);
  if (a !== null) return { reason: `${a.reason} (read with the value's own variables set)` };
  const variable = systemVariable.exec(value) ?? variableSlice.exec(value);
  if (variable !== null) return { reason: `windows variable ${variable[0].toLowerCase()}` };
  const expanded = cmdExpanded(value);
  const e = expanded === null ? null : readCmdi(expanded);
  return e === null ? null : { reason: `${e.reason} (read as cmd.exe expands it)` };
}

/**
 * cmd.exe's variables that name the system's own folders or shell (`%comspec%` is cmd.exe,
 * `%systemroot%` the Windows folder): no shop's text holds them, unlike `%temp%`, `%path%`,
 * `%date%` or `%username%`, which a LIKE pattern or a mail template may spell. (Regex source:
 * the gate in structure.ts is built from it.)
 */
export const systemVariables: readonly string[] = [
  'comspec',
  'systemroot',
  'windir',
  'systemdrive',
  'programfiles',
  'programfiles\\(x86\\)',
  'programdata',
  'allusersprofile',
  'userprofile',
  'localappdata',
  'appdata',
  'homedrive',
  'homepath',
  'computername',
  'userdomain',
  'logonserver',
  'psmodulepath',
  'processor_architecture',
];
const systemVariable = new RegExp(`%(?:${systemVariables.join('|')})%`, 'i');

const quotedPart = /(?<=[\w/'"])(['"])([\w.-]{1,20})\1|(['"])([\w.-]{1,20})\3(?=[\w/'"])/g;
const assignment = /(?:^|[;&|\n]\s*)([a-z_]\w{0,30})=(['"]?)([^\s;|&'"$]{0,60})\2(?=$|[\s;|&])/gi;

/**
 * `x=who;y=ami;$x$y`: a value that sets shell variables and then uses them, read with each
 * `$x`/`${x}` replaced by what it was set to (a command assembled so no filter sees its name);
 * null when it sets none that it uses.
 */
function withAssignments(value: string): string | null {
  if (!value.includes('=') || !value.includes('$')) return null;
  const vars = new Map<string, string>();
  for (const m of value.matchAll(assignment)) if (vars.size < 8) vars.set((m[1] ?? '').toLowerCase(), m[3] ?? '');
  if (vars.size === 0) return null;
  const out = value.replace(/\$(?:\{([a-z_]\w*)\}|([a-z_]\w*))/gi, (m, braced?: string, bare?: string) => {
    return vars.get((braced ?? bare ?? '').toLowerCase()) ?? m;
  });
  return out === value ? null : out;
}

/** `%comspec:~-16,1%`: a slice of a variable, cmd.exe's way of spelling a character it will not be sent. */
export const variableSliceSource = String.raw`%[a-z_][\w]{0,30}:~-?\d{1,3}(?:,-?\d{1,3})?%`;
const variableSlice = new RegExp(variableSliceSource, 'i');

/**
 * The value as cmd.exe (and a shell's prefixes that add nothing) would hand it on, or null when
 * that changes nothing: `%x%` and `!x!` (delayed expansion) around a word are a variable, empty
 * when unset, so the word is what runs (`%whoami%`, `!%whoami%!`; half a pair too, the other
 * half left in the application's own line); the SUB character (0x1a) ends a command as a
 * newline does; bash's `!` negating a pipeline, or escaped, before the command (`\! whoami`).
 * Only a reading: whether the rest is a command decides (`%id%`, a LIKE pattern, stays `id`,
 * which alone is no command).
 */
function cmdExpanded(value: string): string | null {
  const out = value
    .replace(
      /(?<![\w%!])([%!]{0,2})([a-z][\w.-]*)([%!]{0,2})(?![\w%!])/gi,
      (m, open: string, w: string, close: string) => (open === '' && close === '' ? m : w),
    )
    .replace(/\x1a/g, '\n')
    .replace(/^(\s*)\\?!\s+(?=[a-z])/i, '$1')
    // `& call x`, `| start "" /b x`: cmd's CALL and START run the command after them
    .replace(/([;|&\n]\s*)(?:call|start(?:\s+(?:\/[a-z]+|"[^"]*"))*)\s+(?=[a-z%!])/gi, '$1');
  return out === value ? null : out;
}

function readCmdi(value: string): CmdiMatch | null {
  if (value.length < 2) return null;
  // `\n` written out is a newline to whatever unescapes it (JSON, echo -e, printf, the lists);
  // not inside a word, where a backslash only escapes a letter (`cu\rl`)
  const lower = value
    .toLowerCase()
    .slice(0, 4096)
    .replace(/(?<![\w'"$@^\\])\\[nr]|\\[nr](?![\w'"$@^\\])/g, '\n');
  // `;base64,` is a data URL's, not a command after a separator
  const v = unobfuscate(lower.includes("$'") ? lower.replace(ansiQuoted, ansiText) : lower).replace(/;base64,/g, ',');
  // command and process substitution, shell parameter expansion with operators, arithmetic
  const sub =
    /\$\(\s*[a-z{(<$'"\\/]|`\s*[a-z/$][^`]*`|[<>]\(\s*[a-z./$'"]|\$\{[a-z_]\w*(?:[#%^,]|:[-=?+]|\/\/?)|\$\{[!#]?[a-z_]\w*\[|\$\[[^\]]*\]/.exec(
      v,
    );
  if (sub !== null) return { reason: `shell substitution ${clip(sub[0])}` };
  // `sh,-c,…`, `["/bin/sh","-c",…]`: a shell and its `-c` given as an argument list (a compiler's
  // `-wrapper`, an exec array in JSON) runs the text after them as a command line
  const list = v.includes('-c') ? shellList.exec(v) : null;
  if (list !== null) return { reason: `shell run from an argument list ${clip(list[0].trim())}` };
  // bash's network redirection (`>/dev/tcp/198.51.100.1/4444`, `$d/tcp/…` with d=/dev): a reverse shell
  const net = /(?:\/dev|\$\w+|\$\{\w+\})\/(?:tcp|udp)\/[\w.-]+\/\d{1,5}\b/.exec(v);
  if (net !== null) return { reason: `network redirection ${clip(net[0])}` };
  // a value that opens with an output redirection to an absolute path (`>/tmp/x`, `2>>/var/www/a.php`)
  const redirect = /^\s*\d?>>?\s*\/[\w.-]+\/[\w.-]/.exec(v);
  if (redirect !== null) return { reason: `output redirected to ${clip(redirect[0].trim())}` };
  const injected = v.includes('-') ? argumentInjection.exec(v) : null;
  if (injected !== null) return { reason: `arguments injected ${clip(injected[0].trim())}` };
  for (const m of v.matchAll(/[{!=]/.test(v) ? afterSepPrefixed : afterSep)) {
    const w = (m[2] ?? '').replace(/\.exe$/, '');
    const sep = m[1] === '\n' || m[1] === '\r' ? 'a newline' : (m[1] ?? '');
    if (isCommand(w) || isCommand(`${w}.exe`)) return { reason: `command ${w} after ${sep}` };
  }
  // `&id`, `& pwd`: a value that opens with `&` (a command sent to the background, then the next)
  // and holds one command alone: one no word is, or one that only looks the host over
  const ampOpen = /^\s*&\s*([a-z][\w.-]*)\s*$/.exec(v);
  const lone = (ampOpen?.[1] ?? '').replace(/\.exe$/, '');
  if (ampOpen !== null && (strong.has(lone) || aloneAfterAmp.includes(lone)))
    return { reason: `command ${lone} after &` };
  for (const m of v.matchAll(afterAmp)) {
    const w = (m[1] ?? '').replace(/\.exe$/, '');
    if (strong.has(w) || strong.has(`${w}.exe`) || /^(?:for|if)$/.test(w)) return { reason: `command ${w} after &` };
  }
  if (v.includes('/'))
    for (const m of v.matchAll(ampSwitch))
      if (strong.has(m[1] ?? '')) return { reason: `command ${m[1]} with a switch after &` };
  if (recon.test(v)) return { reason: `recon command ${v.trim()}` };
  // a command with a shell argument opening the value, or after any separator (`& ls -l /tmp`)
  const parts = v.split(/[;|\n\r`&]+/, 8);
  for (let i = 0; i < parts.length; i++) {
    const part = i === 0 ? (parts[0] ?? '') : (parts[i] ?? '').replace(/^\s*['"]?/, '');
    // (the value may open with the quote it breaks out of: `" ping.exe -n 31 127.0.0.1`)
    const w =
      commandWithArgument(part) ??
      (i === 0 && /^\s*['"]/.test(part) ? commandWithArgument(part.replace(/^\s*['"]/, '')) : null);
    if (w !== null) return { reason: `command ${w} with a shell argument${i === 0 ? '' : ' after a separator'}` };
    // `& echo %path%`, `| dir %userprofile%`: after a separator, a command given a cmd.exe variable
    const withVariable = i > 0 ? /^\s*([a-z]+)\s+%[a-z_]\w*%/.exec(part) : null;
    if (withVariable !== null && (leads.has(withVariable[1] ?? '') || strong.has(withVariable[1] ?? '')))
      return { reason: `command ${withVariable[1]} given a cmd variable after a separator` };
  }
  const ps = psOpen.exec(v);
  if (ps !== null) return { reason: `powershell command line ${clip(ps[0].trim())}` };
  const which = /^\s*(?:which|whereis|command\s+-v)\s+([a-z][\w.+-]*)/.exec(v);
  if (which !== null && strong.has(which[1] ?? '')) return { reason: `looking for ${which[1]}` };
  const quoted = /^\s*['"`]\s*([a-z][\w.-]*)/.exec(v);
  if (quoted !== null && strong.has(quoted[1] ?? '')) return { reason: `command ${quoted[1]} after a closing quote` };
  if (/^\s*\$\{?[a-z_]\w*\}?\s+-[a-z]\b/.test(v)) return { reason: 'a command from a variable' };
  // `alias 'l'=curl`, `alias -g x=y`, `…;alias ..='cd ..'`: an alias definition opening the
  // value or a command line is shell syntax (any name a shell takes, glued to `=` and a value)
  const alias = !v.includes('alias') ? null : /(?:^|[;|&\n(`{]\s*)alias\s+(?:[-+]?\w+\+?\s+)*[.'"\w!%,@-]+=\S/.exec(v);
  if (alias !== null) return { reason: `alias definition ${clip(alias[0].trim())}` };
  // `\ls`: a command escaped so that no alias of it runs, alone in the value
  const escaped = /^\s*\\([a-z][\w.-]*)\s*$/.exec(lower);
  if (escaped !== null && isCommand(escaped[1] ?? '')) return { reason: `escaped command \\${escaped[1]}` };
  const bin = v.includes('bin/') ? binPath.exec(v) : null;
  if (bin !== null && (bin[1] === '/' || isCommand(bin[2] ?? '')))
    return { reason: `program path ${clip(bin[0].trim())}` };
  const open = strongOpen.exec(v);
  if (open !== null && strong.has(open[1] ?? '')) return { reason: `command ${open[1]} opening the value` };
  if (/[\n\r]/.test(v)) {
    const line = lineOpen.exec(v);
    if (line !== null && (strong.has(line[1] ?? '') || leads.has(line[1] ?? '') || weak.has(line[1] ?? '')))
      return { reason: `command ${line[1]} on the first of several lines` };
  }
  const so = sepOptions.exec(v);
  if (so !== null && /[;|\n&]/.test(so[0])) return { reason: `command line ${clip(so[0].trim())} after a separator` };
  const win = windowsLead.exec(v);
  if (win !== null) return { reason: `windows command ${clip(win[0].trim())}` };
  if (
    /(?:^|[&|;(]\s*)for\s+(?:\/[a-z](?::\S*)?\s+(?:(?:"[^"]*"|[a-z]:\\\S*)\s+)?)*(?:"[^"]*"\s+)?%%?[^\s]+\s+in\s*\(.*\)\s*do\b/.test(
      v,
    ) ||
    // with a switch (`for /f "tokens=*" %i in (…) do`) it is batch wherever it stands: after the
    // quote a value breaks out of, or glued to the value it was appended to (`127.0.0.1for /f …`)
    /(?<![a-z])for\s+\/[a-z](?::\S*)?\s+(?:"[^"]*"\s+)?%%?[a-z]\s+in\s*\(.*\)\s*do\b/.test(v)
  )
    return { reason: 'batch for loop' };
  // cmd.exe told to run a command line (`cmd /c hostname`, `cmd.exe /k "…"`), wherever it stands
  const cmdRun = v.includes('cmd') ? /(?<![\w.-])cmd(?:\.exe)?\s+\/[ck]\s+['"]?[a-z%!\\/.]/.exec(v) : null;
  if (cmdRun !== null) return { reason: `cmd.exe runs a command line ${clip(cmdRun[0].trim())}` };
  if (/(?:^|[&|;(]\s*)if\s*(?:\/i\s+)?(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion)\b/.test(v))
    return { reason: 'batch if' };
  if (
    /(?:^|[&|;(]\s*)if(?:\s+|\s*\/i\s+)(?:not\s+)?(?:"[^"]*"|\[[^\]]*\]|%\S+%|\S+?)(?:\s*==|\s+(?:equ|neq|lss|leq|gtr|geq)\s)/.test(
      v,
    )
  )
    return { reason: 'batch comparison' };
  // `{,ip,a}`: an empty first item makes the expansion a command line with no space in it
  const emptyFirst = v.includes('{,') ? /\{,[a-z][\w.-]*(?:,[\w./-]*)*\}/.exec(v) : null;
  if (emptyFirst !== null) return { reason: `brace expansion ${clip(emptyFirst[0])}` };
  // `~+`, `~-2`: bash's tilde expansion to the working directory (or the directory stack)
  const tilde = v.includes('~') ? /~[+-](?:$|\d+\b)/.exec(v) : null;
  if (tilde !== null) return { reason: `tilde expansion ${tilde[0]}` };
  // `!-2`: bash's history expansion, running the command two back again
  const history = v.includes('!-') ? /(?:^|[^\w!])!-\d{1,3}\b/.exec(v) : null;
  if (history !== null) return { reason: `history expansion ${history[0].trim()}` };
  // (its arguments may be globs: `{cat,/e*?/p*d}`)
  const brace = /\{([\w./-]*,[\w./,*?[\]-]*)\}/.exec(v);
  if (brace !== null && (brace[1] ?? '').split(',').some((x) => isCommand(x)))
    return { reason: `brace expansion {${brace[1]}}` };
  // a word the shell expands into a command (`c{a,oun}t` -> cat, `{l,-lh}s` -> ls)
  const spelled = /(?:^|[\s;|&])([\w-]*\{[\w-]*,[\w,-]*\}[\w-]*)(?=$|[\s;|&])/.exec(v);
  if (spelled !== null) {
    const word = spelled[1] ?? '';
    const m = /^([\w-]*)\{([\w,-]*)\}([\w-]*)$/.exec(word);
    const hit = m?.[2]
      ?.split(',')
      .map((x) => `${m[1]}${x}${m[3]}`)
      .find((w) => w !== word && (strong.has(w) || leads.has(w)));
    if (hit !== undefined) return { reason: `brace expansion ${clip(word)} spells ${hit}` };
  }
  // globs before unobfuscation too: `/etc/pas[s]wd` is a one-letter class spelling a system path
  const g = globPath(v) ?? (lower.includes('[') ? globPath(lower) : null);
  if (g !== null) return { reason: `glob ${clip(g)}` };
  return null;
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
