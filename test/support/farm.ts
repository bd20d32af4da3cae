/**
 * A build farm for the tests: a real redis-server on 127.0.0.1 (an ephemeral
 * port, no persistence), real `pkg2os worker` processes, and a store in a
 * temporary directory.
 */
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ResultPromise, execa } from 'execa';
import { shipped } from '../../src/paths.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class TestRedis {
  private process?: ResultPromise;
  private constructor(
    readonly port: number,
    private readonly extra: string[],
  ) {}

  static async start(port?: number, extra: string[] = []): Promise<TestRedis> {
    const redis = new TestRedis(port ?? (await freePort()), extra);
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async launch(): Promise<void> {
    this.process = execa('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extra], { reject: false });
    for (let i = 0; i < 100; i++) {
      const pong = await execa('redis-cli', ['-p', String(this.port), 'ping'], { reject: false });
      if (/PONG|NOAUTH/.test(String(pong.stdout))) return;
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
  private constructor(readonly process: ResultPromise) {}

  static start(queue: string, store: string, targets: string[], extra: string[] = []): TestWorker {
    const child = execa(shipped('bin', 'pkg2os'), ['worker', '--queue', queue, '--store', store, '--target', targets.join(','), '--lock-seconds', '2', '--config', '/dev/null', ...extra], { reject: false, all: true });
    const worker = new TestWorker(child);
    child.all?.on('data', (d: Buffer) => (worker.output += d.toString()));
    return worker;
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
