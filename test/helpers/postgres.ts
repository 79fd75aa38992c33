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
export async function startPostgres(options: { superuserPassword?: string } = {}): Promise<TestPostgres> {
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
  try {
    run('initdb', ['-D', data, '-U', 'postgres', ...auth, '--no-sync', '-E', 'UTF8', '--locale=C']);
    run('pg_ctl', [
      '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start',
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
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
