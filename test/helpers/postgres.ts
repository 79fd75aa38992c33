import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway PostgreSQL cluster on 127.0.0.1, with trust authentication for local tests. */
export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  /** The directory of the server binaries (psql included). */
  readonly bin: string;
  /** With `tls`: the CA certificate that signed the server's certificate (for PGSSLROOTCERT). */
  readonly caFile?: string;
  stop(): void;
}

/** The bin directory of the newest Debian PostgreSQL package, or of one on PATH. */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = join(base, v, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  try {
    const initdb = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return initdb ? initdb.replace(/\/initdb$/, '') : undefined;
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * initdb's a cluster in a temporary directory and starts it on a free loopback port. PostgreSQL refuses
 * to run as root, so as root the server runs as the `postgres` user (created by the Debian package).
 * Throws with the reason when no server can be started.
 */
export async function startPostgres(options: { superuserPassword?: string; tls?: boolean } = {}): Promise<TestPostgres> {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or on PATH: ' +
      'install a PostgreSQL server (Debian/Ubuntu: apt-get install postgresql, as .ci/run does; macOS: brew install postgresql)');
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'sac-pg-'));
  chmodSync(dir, 0o777); // the postgres user creates the data directory and the socket inside
  const data = join(dir, 'data');
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  const port = await freePort();
  // Socket connections are trusted (nothing else can reach the temporary socket directory); TCP
  // connections need a password (SCRAM) when one is given, as a real server would.
  const auth = ['--auth-local=trust', `--auth-host=${options.superuserPassword ? 'scram-sha-256' : 'trust'}`];
  if (options.superuserPassword) {
    writeFileSync(join(dir, 'pwfile'), `${options.superuserPassword}\n`, { mode: 0o644 });
    auth.push(`--pwfile=${join(dir, 'pwfile')}`);
  }
  let caFile: string | undefined;
  try {
    run('initdb', ['-D', data, '-U', 'postgres', ...auth, '--no-sync', '-E', 'UTF8', '--locale=C']);
    const tlsArgs = options.tls ? ` ${serverTls(dir, asRoot)}` : '';
    if (options.tls) caFile = join(dir, 'ca.crt');
    run('pg_ctl', [
      '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${tlsArgs}`, 'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    const asWho = asRoot ? ' as the "postgres" user (PostgreSQL refuses to run as root; the Debian package creates that user)' : '';
    throw new Error(`PostgreSQL from ${bin} is installed but could not start${asWho}: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' / ')}`);
  }
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    bin,
    ...(caFile ? { caFile } : {}),
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A throwaway CA and a server certificate for 127.0.0.1 (an IP subjectAltName, which libpq's
 * verify-full checks against PGHOST), made with openssl; returns the server options that turn TLS on.
 */
function serverTls(dir: string, asRoot: boolean): string {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ext = join(dir, 'server.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', 'server.crt']);
  // The server refuses a key readable by others, and reads it as the user it runs as.
  chmodSync(join(dir, 'server.key'), 0o600);
  if (asRoot) execFileSync('chown', ['postgres', join(dir, 'server.key'), join(dir, 'server.crt')]);
  return `-c ssl=on -c ssl_cert_file=${join(dir, 'server.crt')} -c ssl_key_file=${join(dir, 'server.key')}`;
}
