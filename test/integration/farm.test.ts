/**
 * Build farms with the real parts: redis-server on 127.0.0.1 (an ephemeral
 * port), real `pkg2os worker` processes, BullMQ in between. A closure built
 * through the queue equals a local build byte for byte; workers take only
 * their targets' jobs; a worker killed mid-build loses nothing; what a
 * hostile worker returns is refused; a farm that fails (no worker, Redis
 * restarted) fails the run clearly and publishes nothing; a cancelled run
 * takes its jobs back.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { queueName } from '../../src/farm/jobs.js';
import { makeWheel, miniBackend } from '../support/backend-fixtures.js';
import { TestRedis, TestWorker, answeringWorker, farmStore, makeIdentity, pinIdentity, putInStore } from '../support/farm.js';
import type { WorkerIdentity } from '../../src/farm/identity.js';
import { IndexServer } from '../support/index-server.js';
import { validReport } from '../support/report-schema.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const index = new IndexServer();
let redis: TestRedis;
let dir: string;
let standby: WorkerIdentity;

/** A worker identity of the test's own, pinned as `name` where the builds look (dir/keys). */
async function pinnedIdentity(name: string): Promise<WorkerIdentity> {
  const identity = await makeIdentity();
  await pinIdentity(identity, join(dir, 'keys'), name);
  return identity;
}
const workers: TestWorker[] = [];
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
/** A build whose wheel takes a while (setuptools runs setup.py with bdist_wheel only for the wheel). */
const slow = (seconds: number) => ({ 'setup.py': `import sys, time\nif "bdist_wheel" in sys.argv:\n    time.sleep(${seconds})\nfrom setuptools import setup\nsetup()\n` });

before(async () => {
  index.add('farm-a', await makeSdist({ name: 'farm-a', version: '1.0', dependencies: ['farm-b', 'farm-c'] }));
  index.add('farm-b', await makeSdist({ name: 'farm-b', version: '2.0', dependencies: ['farm-c'] }));
  index.add('farm-c', await makeSdist({ name: 'farm-c', version: '3.0' }));
  index.add('farm-slow', await makeSdist({ name: 'farm-slow', version: '1.0', files: slow(6) }));
  index.add('farm-lost', await makeSdist({ name: 'farm-lost', version: '1.0', files: slow(20) }));
  index.add('farm-hostile', await makeSdist({ name: 'farm-hostile', version: '1.0' }));
  await index.start();
  redis = await TestRedis.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-farm-'));
  // A pinned worker that never runs: the runs that start none get past "no worker is pinned" to what they test.
  standby = await pinnedIdentity('standby');
  assert.match(standby.fingerprint, /^[0-9a-f]{64}$/);
});
after(async () => {
  await redis.stop();
  await index.stop();
});

/** Workers with identities of their own, each pinned where the builds (run in `dir`) look: dir/keys. */
async function startWorkers(store: string, ...targets: string[][]): Promise<TestWorker[]> {
  const started = targets.map((t) => TestWorker.start(redis.url, store, t));
  workers.push(...started);
  for (const w of started) {
    await w.ready();
    await w.pin(join(dir, 'keys'));
  }
  return started;
}

/** The pid of the worker that built a package, from the report's builtBy (pinned name, key, host:pid). */
const builtByPid = (p: { builtBy?: Array<{ host: string }> }) => p.builtBy?.[0]?.host.split(':')[1];

const build = (project: string, out: string, store: string | undefined, ...extra: string[]) =>
  pkg2os(['build', project, '--index-url', index.url, '--out', out, '--no-lockfile', '--no-cache', '--json', '--maintainer', 'Farm <farm@example.org>', ...(store ? ['--queue', redis.url, '--store', store] : []), ...extra], {}, dir);

describe('building through a build farm', () => {
  // A test that fails half-way leaves no worker behind to take the next test's jobs.
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop('SIGKILL');
  });

  it('builds a closure through the queue with two workers, byte for byte what a local build makes, and says which worker built what', async () => {
    const store = await farmStore();
    const pair = await startWorkers(store, ['debian-12'], ['debian-12']);
    const farmOut = join(dir, 'farm-out');
    const farm = await build('farm-a', farmOut, store);
    assert.equal(farm.exitCode, 0, farm.stderr);
    const local = await build('farm-a', join(dir, 'local-out'), undefined);
    assert.equal(local.exitCode, 0, local.stderr);
    const farmReport = validReport<{ packages: Array<{ project: string; builtBy?: Array<{ worker: string; key: string; host: string }>; packages: Array<{ file: string; sha256: string }> }> }>('report', farm.stdout);
    const localReport = validReport<typeof farmReport>('report', local.stdout);
    const files = (r: typeof farmReport) => r.packages.flatMap((p) => p.packages.map((f) => `${f.file} ${f.sha256}`)).sort();
    assert.deepEqual(files(farmReport), files(localReport));
    assert.equal(files(farmReport).length, 3);
    for (const f of files(farmReport)) assert.equal(await sha(join(farmOut, f.split(' ')[0]!)), f.split(' ')[1]);
    const pids = new Set(pair.map((w) => String(w.pid)));
    for (const p of farmReport.packages) assert.ok(p.builtBy && pids.has(builtByPid(p)!) && p.builtBy[0]!.worker === `worker-${builtByPid(p)}` && /^[0-9a-f]{64}$/.test(p.builtBy[0]!.key), `${p.project} built by ${JSON.stringify(p.builtBy)}`);
    assert.ok(localReport.packages.every((p) => p.builtBy === undefined));
    assert.match(await readFile(join(farmOut, 'logs/farm-a-1.0.log'), 'utf8'), /=== the build for debian-12 on worker-\d+ ===/, 'the worker\'s log is kept with the run\'s');
    for (const w of pair) await w.stop();
  });

  it('routes jobs by target: a worker serving el9 takes the el9 jobs only', async () => {
    const store = await farmStore();
    const [deb, rpm] = await startWorkers(store, ['debian-12'], ['el9']);
    const result = await build('farm-c', join(dir, 'routed'), store, '--target', 'debian-12,el9');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport<{ packages: Array<{ target: string; builtBy: Array<{ host: string }> }> }>('report', result.stdout);
    const by = Object.fromEntries(report.packages.map((p) => [p.target, builtByPid(p)]));
    assert.deepEqual(by, { 'debian-12': String(deb!.pid), el9: String(rpm!.pid) });
    assert.doesNotMatch(rpm!.output, /for debian-12/);
    await deb!.stop();
    await rpm!.stop();
  });

  it('a worker killed (SIGKILL) in the middle of a build loses nothing: another takes the job, and the run completes', async () => {
    const store = await farmStore();
    const pair = await startWorkers(store, ['debian-12'], ['debian-12']);
    const running = build('farm-slow', join(dir, 'killed'), store);
    let victim: TestWorker | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      victim = pair.find((w) => /farm-slow 1\.0: building the wheel/.test(w.output));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(victim, 'a worker started the build');
    await victim!.stop('SIGKILL');
    const result = await running;
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport<{ packages: Array<{ builtBy: Array<{ host: string }> }> }>('report', result.stdout);
    const survivor = pair.find((w) => w !== victim)!;
    assert.equal(builtByPid(report.packages[0]!), String(survivor.pid));
    assert.ok(existsSync(join(dir, 'killed/deb/python3-farm-slow_1.0-1~deb12_all.deb')));
    await survivor.stop();
  });

  it('says so when no worker serves a target, after the configured wait (exit 8)', async () => {
    const store = await farmStore();
    const config = join(dir, 'short-wait.yaml');
    await writeFile(config, 'farm-wait: 2s\n');
    const out = join(dir, 'no-worker');
    const result = await build('farm-c', out, store, '--target', 'el9', '--config', config);
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /No worker serves pkg2os-build\.el9\.\w+: the job of el9\/farm-c waited \d+ s/);
    assert.match(result.stderr, /pkg2os worker --queue redis:\/\/127\.0\.0\.1:\d+ --target el9/);
    assert.ok(!existsSync(join(out, 'rpm')));
    // A target whose name has a dot: the hint names it whole (it said --target ubuntu-24 once).
    const ubuntu = await build('farm-c', join(dir, 'no-worker-ubuntu'), store, '--target', 'ubuntu-24.04', '--config', config);
    assert.equal(ubuntu.exitCode, 8, ubuntu.stderr);
    assert.match(ubuntu.stderr, /pkg2os worker --queue redis:\/\/127\.0\.0\.1:\d+ --target ubuntu-24\.04 --store/);
  });

  it('submits no job for a project whose packages the cache holds: a second run needs no worker, and gives the same files', async () => {
    const store = await farmStore();
    const cache = join(dir, 'farm-cache');
    const config = join(dir, 'cached-wait.yaml');
    await writeFile(config, 'farm-wait: 2s\n');
    const [worker] = await startWorkers(store, ['debian-12']);
    const run = (out: string) => pkg2os(['build', 'farm-b', '--index-url', index.url, '--out', join(dir, out), '--no-lockfile', '--cache-dir', cache, '--json', '--config', config, '--maintainer', 'Farm <farm@example.org>', '--queue', redis.url, '--store', store], {}, dir);
    const first = await run('cached-1');
    assert.equal(first.exitCode, 0, first.stderr);
    const firstReport = validReport<{ packages: Array<{ builtBy?: unknown[]; packages: Array<{ sha256: string }> }>; summary: { built: number; reused: number } }>('report', first.stdout);
    assert.equal(firstReport.summary.built, 2);
    await worker!.stop();
    // No worker now: a job submitted for anything would end the run with exit 8 after 2 s.
    const second = await run('cached-2');
    assert.equal(second.exitCode, 0, second.stderr);
    assert.match(second.stderr, /build farm: 2 of 2 project\(s\) have every package in the cache and need no build/);
    const secondReport = validReport<typeof firstReport>('report', second.stdout);
    assert.deepEqual(secondReport.summary, { ...secondReport.summary, built: 0, reused: 2 });
    assert.ok(secondReport.packages.every((p) => p.builtBy === undefined), 'nothing was built by a worker');
    const files = (r: typeof firstReport) => r.packages.flatMap((p) => p.packages.map((f) => f.sha256)).sort();
    assert.deepEqual(files(secondReport), files(firstReport));
  });

  it('fails clearly and publishes nothing when Redis restarts mid-run and its jobs are gone (exit 8)', async () => {
    const store = await farmStore();
    const [worker] = await startWorkers(store, ['debian-12']);
    const repo = join(dir, 'lost-repo');
    await mkdir(repo);
    assert.equal((await pkg2os(['keys', 'generate', '--name', 'Farm', '--email', 'f@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
    const running = build('farm-lost', join(dir, 'lost'), store, '--repo', repo, '--key', join(dir, 'key/private.asc'));
    for (let i = 0; i < 600 && !/farm-lost 1\.0: building the wheel/.test(worker!.output); i++) await new Promise((r) => setTimeout(r, 50));
    await redis.restart();
    const result = await running;
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /lost the job of debian-12\/farm-lost|Lost the build queue/);
    assert.ok(!existsSync(join(repo, 'deb')), 'nothing was published');
    assert.ok(!existsSync(join(dir, 'lost/deb')), 'nothing was written');
    await worker!.stop('SIGKILL');
  });

  it('a cancelled run (SIGINT) takes its jobs out of the queue', async () => {
    const store = await farmStore();
    const child = execa(shipped('bin', 'pkg2os'), ['build', 'farm-a', '--target', 'el9', '--index-url', index.url, '--out', join(dir, 'cancelled'), '--no-lockfile', '--no-cache', '--no-progress', '--queue', redis.url, '--store', store], { reject: false, all: true, cwd: dir, env: { PKG2OS_KEYS_DIR: join(dir, 'keys') } });
    let output = '';
    child.all?.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; i < 600 && !/job\(s\) submitted/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, /3 job\(s\) submitted to pkg2os-build\.el9/);
    child.kill('SIGINT');
    assert.equal((await child).exitCode, 130, output);
    const [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName('el9', machine()), { connection });
    const counts = await queue.getJobCounts('waiting', 'waiting-children', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    await queue.close();
    connection.disconnect();
    assert.ok(Object.values(counts).every((n) => n === 0), `no job of the run is left: ${JSON.stringify(counts)}`);
  });
});

describe('the queue\'s credentials', () => {
  it('works with a password-protected Redis, and never prints the password, even when the queue cannot be reached', async () => {
    const secret = `s3cret-${Date.now()}`;
    const locked = await TestRedis.start(undefined, ['--requirepass', secret]);
    try {
      const store = await farmStore();
      const url = `redis://:${secret}@127.0.0.1:${locked.port}`;
      const worker = TestWorker.start(url, store, ['debian-12']);
      workers.push(worker);
      await worker.ready();
      await worker.pin(join(dir, 'keys'));
      assert.doesNotMatch(worker.output, new RegExp(secret));
      const ok = await pkg2os(['build', 'farm-c', '--index-url', index.url, '--out', join(dir, 'locked'), '--no-lockfile', '--no-cache', '--queue', url, '--store', store, '-v'], {}, dir);
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.doesNotMatch(ok.stderr + ok.stdout, new RegExp(secret));
      await worker.stop();
      const wrong = await pkg2os(['build', 'farm-c', '--index-url', index.url, '--out', join(dir, 'unreachable'), '--no-lockfile', '--queue', `redis://:${secret}@127.0.0.1:9`, '--store', store], {}, dir);
      assert.equal(wrong.exitCode, 8, wrong.stderr);
      assert.match(wrong.stderr, /Could not reach the build queue at redis:\/\/.*127\.0\.0\.1:9/);
      assert.doesNotMatch(wrong.stderr, new RegExp(secret));
    } finally {
      await locked.stop();
    }
  });
});

describe('what a compromised pinned worker returns', () => {
  /** A pinned worker (its key is one the coordinator trusts) that answers every job with a wheel of its own choosing, signed properly. */
  async function compromised(answer: (store: string) => Promise<{ filename: string; sha256: string }>, store: string) {
    const identity = await pinnedIdentity(`compromised-${Date.now()}`);
    const log = await putInStore(store, 'nothing to see\n');
    return answeringWorker(queueName('debian-12', machine()), redis.url, identity, async () => ({ wheel: await answer(store), log }));
  }

  it('refuses a wheel whose bytes are not the digest the worker reported (exit 8), and publishes nothing', async () => {
    const store = await farmStore();
    const fake = await compromised(async (s) => {
      const claimed = 'e'.repeat(64);
      await mkdir(join(s, 'sha256', 'ee'), { recursive: true });
      await writeFile(join(s, 'sha256', 'ee', claimed), 'not the wheel that digest names');
      return { filename: 'farm_hostile-1.0-py3-none-any.whl', sha256: claimed };
    }, store);
    const result = await build('farm-hostile', join(dir, 'tampered'), store);
    await fake.close();
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /The artifact e{64} in .* has other bytes/);
    assert.ok(!existsSync(join(dir, 'tampered/deb')));
  });

  it('refuses a wheel of another project that the worker put in the store properly (exit 4)', async () => {
    const store = await farmStore();
    const fake = await compromised(async (s) => {
      const wheel = await makeWheel({ name: 'requests', version: '99.0', files: { 'requests/__init__.py': miniBackend() } });
      return { filename: wheel.filename, sha256: await putInStore(s, wheel.body) };
    }, store);
    const result = await build('farm-hostile', join(dir, 'substituted'), store);
    await fake.close();
    assert.equal(result.exitCode, 4, result.stderr);
    assert.match(result.stderr, /says it is requests 99\.0, but it was built from the sdist of farm-hostile 1\.0/);
  });
});
