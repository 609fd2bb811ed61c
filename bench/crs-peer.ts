// The OWASP Core Rule Set at paranoia level 1 as a peer of the web-attack detection: Debian's
// Apache with ModSecurity 2 and the modsecurity-crs package (installed when missing), run
// privately on a loopback port from a config of its own in a temp folder, in blocking mode: a
// request whose inbound anomaly score reaches the PL1 threshold (5) gets 403. Every request
// line is sent as it stands in the access log over a raw socket (an HTTP client would refuse
// or re-encode some of them); a line Apache itself refuses (400) is counted apart.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const modules = '/usr/lib/apache2/modules';

export type CrsVerdict = 'blocked' | 'passed' | 'refused';

function installed(): boolean {
  const have = () =>
    existsSync(`${modules}/mod_security2.so`) &&
    existsSync('/usr/share/modsecurity-crs/owasp-crs.load') &&
    existsSync('/usr/sbin/apache2');
  if (have()) return true;
  process.stderr.write("installing apache2, libapache2-mod-security2 and modsecurity-crs from Debian's packages…\n");
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  spawnSync('apt-get', ['install', '-y', '-qq', 'apache2', 'libapache2-mod-security2', 'modsecurity-crs'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return have();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function config(dir: string, port: number): string {
  // ModSecurity's recommended base, switched to blocking, without audit logging.
  const base = readFileSync('/etc/modsecurity/modsecurity.conf-recommended', 'utf8')
    .replace(/^SecRuleEngine .*$/m, 'SecRuleEngine On')
    .replace(/^SecAuditEngine .*$/m, 'SecAuditEngine Off')
    .replace(/^SecAuditLog .*$/m, '')
    .replace(/^SecTmpDir .*$/m, `SecTmpDir ${dir}/tmp`)
    .replace(/^SecDataDir .*$/m, `SecDataDir ${dir}/tmp`)
    .replace(/^SecUnicodeMapFile unicode\.mapping/m, 'SecUnicodeMapFile /etc/modsecurity/unicode.mapping');
  writeFileSync(join(dir, 'modsecurity.conf'), base);
  return `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
ErrorLog ${dir}/error.log
LogLevel error
User www-data
Group www-data
LoadModule mpm_event_module ${modules}/mod_mpm_event.so
LoadModule authz_core_module ${modules}/mod_authz_core.so
LoadModule unique_id_module ${modules}/mod_unique_id.so
LoadModule security2_module ${modules}/mod_security2.so
MaxRequestWorkers 64
ThreadsPerChild 32
KeepAliveTimeout 30
MaxKeepAliveRequests 0
DocumentRoot ${dir}/www
<Directory />
  AllowOverride None
</Directory>
<Directory ${dir}/www>
  AllowOverride None
  Require all granted
</Directory>
Include ${dir}/modsecurity.conf
Include /usr/share/modsecurity-crs/owasp-crs.load
`;
}

/** The status Apache answers to one raw request line (method and target as the log shows them). */
function send(port: number, requestLine: string): Promise<number> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const done = (code: number) => {
      sock.destroy();
      resolve(code);
    };
    sock.setTimeout(10_000, () => done(0));
    sock.on('error', () => done(0));
    sock.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (m) done(Number(m[1]));
    });
    sock.on('end', () => done(0));
    // A shop's usual headers, so that CRS scores the request line and not their absence.
    sock.write(
      `${requestLine}\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\r\nAccept: text/html\r\nAccept-Language: en\r\nConnection: close\r\n\r\n`,
      'latin1',
    );
  });
}

/** CRS PL1's verdict on each request line (`GET /path?query HTTP/1.1`), or why it could not run. */
export async function crsVerdicts(requestLines: readonly string[]): Promise<CrsVerdict[] | { error: string }> {
  if (!installed()) return { error: 'Apache with ModSecurity and the Core Rule Set could not be installed' };
  const dir = mkdtempSync(join(tmpdir(), 'ripcord-crs-'));
  const port = await freePort();
  try {
    spawnSync('chmod', ['755', dir]); // Apache's workers (www-data) read below it
    mkdirSync(join(dir, 'www'));
    mkdirSync(join(dir, 'tmp'));
    spawnSync('chown', ['www-data:www-data', join(dir, 'tmp')]);
    writeFileSync(join(dir, 'www', 'index.html'), 'shop\n');
    writeFileSync(join(dir, 'httpd.conf'), config(dir, port));
    const start = spawnSync('/usr/sbin/apache2', ['-f', join(dir, 'httpd.conf'), '-k', 'start'], {
      encoding: 'utf8',
      env: { ...process.env, APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir },
    });
    if (start.status !== 0) return { error: `apache2 did not start: ${start.stderr.slice(0, 300)}` };
    for (let i = 0; i < 50 && (await send(port, 'GET / HTTP/1.1')) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const out: CrsVerdict[] = new Array(requestLines.length);
    let next = 0;
    const worker = async () => {
      while (next < requestLines.length) {
        const i = next++;
        const code = await send(port, requestLines[i] as string);
        out[i] = code === 403 ? 'blocked' : code === 400 || code === 0 ? 'refused' : 'passed';
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return out;
  } finally {
    spawnSync('/usr/sbin/apache2', ['-f', join(dir, 'httpd.conf'), '-k', 'stop'], {
      env: { ...process.env, APACHE_RUN_DIR: dir, APACHE_LOCK_DIR: dir, APACHE_LOG_DIR: dir },
    });
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}
