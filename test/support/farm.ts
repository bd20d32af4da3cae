/**
 * A build farm for the tests: a real redis-server on 127.0.0.1 (an ephemeral
 * port, no persistence), real `pkg2os worker` processes, and a store in a
 * temporary directory.
 */
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ResultPromise, execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { HOST_PYTHON } from './run-cli.js';
import { type WorkerIdentity, inputsDigest, loadOrCreateIdentity } from '../../src/farm/identity.js';
import type { BuildJob } from '../../src/farm/jobs.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** How redis-cli reaches a server: its CA for TLS, its password. */
interface RedisAccess {
  tls?: string;
  password?: string;
}

export class TestRedis {
  private process?: ResultPromise;
  private constructor(
    readonly port: number,
    private readonly extra: string[],
    private readonly access: RedisAccess,
  ) {}

  /** `extra` may hold 'PORT' (replaced by the port: e.g. --tls-port PORT with --port 0). */
  static async start(port?: number, extra: string[] = [], access: RedisAccess = {}): Promise<TestRedis> {
    const redis = new TestRedis(port ?? (await freePort()), extra, access);
    await redis.launch();
    return redis;
  }

  /** redis-cli against it (as `as.user`, when given); its answer, errors included. */
  async cli(command: string | string[], as: { user?: string; password?: string } = {}): Promise<string> {
    const args = typeof command === 'string' ? command.split(/\s+/) : command;
    const password = as.password ?? this.access.password;
    const result = await execa('redis-cli', ['-p', String(this.port), ...(this.access.tls ? ['--tls', '--cacert', this.access.tls] : []), ...(as.user ? ['--user', as.user] : []), ...(password ? ['--pass', password, '--no-auth-warning'] : []), ...args], { reject: false });
    return `${result.stdout}${result.stderr}`;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    const extra = this.extra.map((a) => (a === 'PORT' ? String(this.port) : a));
    this.process = execa('redis-server', [...(extra.includes('--port') ? [] : ['--port', String(this.port)]), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { reject: false });
    for (let i = 0; i < 100; i++) {
      const pong = await this.cli(['ping']);
      if (/PONG|NOAUTH/.test(pong)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Kill it (SIGKILL: its data is gone) and start it again on the same port. */
  async restart(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.process;
    await this.launch();
  }

  async stop(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.process;
  }
}

export class TestWorker {
  output = '';
  private constructor(
    readonly process: ResultPromise,
    /** Its --identity directory: worker.pub is what a coordinator pins. */
    readonly identity: string,
  ) {}

  /** A worker with an identity of its own (a new one, unless `identity` names one). */
  static start(queue: string, store: string, targets: string[], extra: string[] = [], identity = mkdtempSync(join(tmpdir(), 'pkg2os-worker-id-')), env: Record<string, string> = {}): TestWorker {
    const child = execa(shipped('bin', 'pkg2os'), ['worker', '--queue', queue, '--store', store, '--target', targets.join(','), '--lock-seconds', '2', ...(extra.includes('--config') ? [] : ['--config', '/dev/null']), '--identity', identity, ...extra], { reject: false, all: true, env: { PKG2OS_HOST_PYTHON: HOST_PYTHON, ...env } });
    const worker = new TestWorker(child, identity);
    child.all?.on('data', (d: Buffer) => (worker.output += d.toString()));
    return worker;
  }

  /** Pin it as `name` in the keys directory `keysDir` (pkg2os farm trust add). */
  async pin(keysDir: string, name = `worker-${this.pid}`): Promise<string> {
    const result = await execa(shipped('bin', 'pkg2os'), ['farm', 'trust', 'add', name, join(this.identity, 'worker.pub'), '--keys-dir', keysDir, '--config', '/dev/null'], { reject: false });
    if (result.exitCode !== 0) throw new Error(`pinning ${name} failed: ${result.stderr}`);
    return name;
  }

  /** Its id in reports (host:pid). */
  get pid(): number {
    return this.process.pid!;
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 200 && !this.output.includes('serving'); i++) await new Promise((r) => setTimeout(r, 50));
    if (!this.output.includes('serving')) throw new Error(`the worker did not start:\n${this.output}`);
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    this.process.kill(signal);
    await this.process;
  }
}

export const farmStore = () => mkdtemp(join(tmpdir(), 'pkg2os-store-'));

/** A worker identity of the test's own (the real identity code): for participants that are no `pkg2os worker`. */
export async function makeIdentity(): Promise<WorkerIdentity> {
  return loadOrCreateIdentity(await mkdtemp(join(tmpdir(), 'pkg2os-test-id-')));
}

/** Pin `identity` as `name` in `keysDir`, as an operator would. */
export async function pinIdentity(identity: WorkerIdentity, keysDir: string, name: string): Promise<void> {
  const result = await execa(shipped('bin', 'pkg2os'), ['farm', 'trust', 'add', name, identity.publicFile, '--keys-dir', keysDir, '--config', '/dev/null'], { reject: false });
  if (result.exitCode !== 0) throw new Error(`pinning ${name} failed: ${result.stderr}`);
}

/** What a participant that is not `pkg2os worker` answers a job with: its own wheel and log (in the store), which it signs; or `raw`, returned as it is. */
export type Answer = (job: { id: string; data: BuildJob }) => Promise<{ wheel: { filename: string; sha256: string }; log: string } | { raw: unknown }>;

/**
 * A BullMQ worker of the test's own on a build queue: it answers every job
 * with `answer`, signed with `identity` as a pkg2os worker signs (or, when
 * `answer` returns something else than a wheel and log, returns that as it is).
 */
export async function answeringWorker(queue: string, redisUrl: string, identity: WorkerIdentity, answer: Answer): Promise<{ answered: number; close(): Promise<void> }> {
  const [{ Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const state = { answered: 0 };
  const worker = new Worker(
    queue,
    async (job) => {
      state.answered++;
      const data = job.data as BuildJob;
      const out = await answer({ id: String(job.id), data });
      if ('raw' in out) return out.raw;
      const { wheel, log } = out;
      const statement = { job: String(job.id), run: data.run, inputs: inputsDigest(data), target: data.target, arch: data.arch, wheel, log, worker: identity.fingerprint };
      return { wheel, log, worker: identity.fingerprint, host: 'not-pkg2os:1', signature: identity.signStatement(statement) };
    },
    { connection },
  );
  return {
    get answered() {
      return state.answered;
    },
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
}

/** Put `bytes` into the store `dir` under their sha256, as a worker would; returns the digest. */
export async function putInStore(dir: string, bytes: Buffer | string): Promise<string> {
  const digest = createHash('sha256').update(bytes).digest('hex');
  await mkdir(join(dir, 'sha256', digest.slice(0, 2)), { recursive: true });
  await writeFile(join(dir, 'sha256', digest.slice(0, 2), digest), bytes);
  return digest;
}
