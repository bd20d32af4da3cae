/**
 * Builders are not trusted on their word. Against a real redis-server and
 * real `pkg2os worker` processes, hostile participants of the test's own:
 * a process that is no pkg2os worker answering jobs with its own wheel (with
 * a key of its own, and with none), a genuine result replayed for another
 * job, a pinned worker whose build differs (its build root carries another
 * setuptools), a worker unpinned in the middle of a run, a compromised
 * pinned worker whose poisoned package verify-build then catches. Each ends
 * with nothing published and a clear reason. --agree 2 with two honest
 * workers publishes what a local build makes; the queue refuses to be an
 * open door, works over TLS, and a worker's Redis ACL is enough for it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { machine, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { queueName } from '../../src/farm/jobs.js';
import { makeWheel } from '../support/backend-fixtures.js';
import { TestRedis, TestWorker, answeringWorker, farmStore, makeIdentity, pinIdentity, putInStore } from '../support/farm.js';
import { IndexServer } from '../support/index-server.js';
import { validReport } from '../support/report-schema.js';
import { trixieRoot } from '../support/roots.js';
import { type CliResult, pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const index = new IndexServer();
let redis: TestRedis;
let dir: string;
let key: string;
const workers: TestWorker[] = [];
const QUEUE = () => queueName('debian-12', machine());
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
const slow = (seconds: number) => ({ 'setup.py': `import sys, time\nif "bdist_wheel" in sys.argv:\n    time.sleep(${seconds})\nfrom setuptools import setup\nsetup()\n` });

before(async () => {
  for (const name of ['trust-a', 'trust-b', 'trust-c', 'trust-d', 'trust-e']) index.add(name, await makeSdist({ name, version: '1.0' }));
  index.add('trust-slow', await makeSdist({ name: 'trust-slow', version: '1.0', files: slow(3) }));
  await index.start();
  redis = await TestRedis.start();
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-farm-trust-'));
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Farm Trust', '--email', 'ft@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
});
after(async () => {
  await redis.stop();
  await index.stop();
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop('SIGKILL');
});

/** A fresh coordinator side: its own keys directory (pins), store and repository. */
async function coordinator() {
  const ws = await mkdtemp(join(dir, 'ws-'));
  return { ws, keys: join(ws, 'keys'), store: await farmStore(), repo: join(ws, 'repo') };
}

async function honestWorker(store: string, keys: string, extra: string[] = [], url = redis.url): Promise<TestWorker> {
  const worker = TestWorker.start(url, store, ['debian-12'], extra);
  workers.push(worker);
  await worker.ready();
  await worker.pin(keys);
  return worker;
}

/** `pkg2os build PROJECT --repo` through the farm, from the workspace `ws` (its keys are ws/keys). */
function farmBuild(ws: string, store: string, project: string, ...extra: string[]): Promise<CliResult> {
  return pkg2os(['build', project, '--index-url', index.url, '--out', join(ws, `out-${project}`), '--no-lockfile', '--no-cache', '--maintainer', 'Farm <farm@example.org>', '--queue', redis.url, '--store', store, '--repo', join(ws, 'repo'), '--key', key, ...extra], {}, ws);
}

/** Nothing published, nothing written, and no stack trace. */
function nothingPublished(result: CliResult, ws: string, project: string): void {
  assert.ok(!existsSync(join(ws, 'repo', 'deb')), `nothing was published:\n${result.stderr}`);
  assert.ok(!existsSync(join(ws, `out-${project}`, 'deb')), 'no package was written');
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

/** A valid wheel of `project` 1.0 carrying a module of the attacker's. */
async function poisonedWheel(project: string) {
  const module = project.replace(/-/g, '_');
  return makeWheel({ name: project, version: '1.0', files: { [`${module}/__init__.py`]: 'def main():\n    return 0\n', [`${module}/backdoor.py`]: 'import os\nos.system("id > /tmp/owned")\n' } });
}

describe('results the coordinator refuses', () => {
  it('starts no farm build while no worker is pinned, and says how to pin one (exit 8)', async () => {
    const { ws, store } = await coordinator();
    const result = await farmBuild(ws, store, 'trust-a');
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /No build-farm worker is pinned/);
    assert.match(result.stderr, /pkg2os farm trust add NAME worker\.pub/);
    assert.doesNotMatch(result.stderr, /downloading/, 'it refused before fetching anything');
    nothingPublished(result, ws, 'trust-a');
  });

  it('refuses a process that is no pkg2os worker answering jobs with its own wheel, signed with its own key or not signed at all (exit 8)', async () => {
    for (const signed of [true, false]) {
      const { ws, keys, store } = await coordinator();
      // An honest worker is pinned (and not running): only the rogue answers.
      await pinIdentity(await makeIdentity(), keys, 'honest');
      const wheel = await poisonedWheel('trust-a');
      const wheelSha = await putInStore(store, wheel.body);
      const log = await putInStore(store, 'built fine\n');
      const rogue = await answeringWorker(QUEUE(), redis.url, await makeIdentity(), async () => (signed ? { wheel: { filename: wheel.filename, sha256: wheelSha }, log } : { raw: { wheel: { filename: wheel.filename, sha256: wheelSha }, log, worker: 'rogue-worker-not-pkg2os' } }));
      const result = await farmBuild(ws, store, 'trust-a');
      await rogue.close();
      assert.equal(result.exitCode, 8, result.stderr);
      assert.match(result.stderr, signed ? /refused the result of job .* it is signed by a worker that is not pinned/ : /refused the result of job .* it is not a signed build result/);
      assert.match(result.stderr, /No acceptable result for debian-12\/trust-a after 3 job\(s\)/);
      assert.equal(rogue.answered, 3, 'each refused result was followed by a new job, three in all');
      nothingPublished(result, ws, 'trust-a');
    }
  });

  it('refuses a genuine result replayed as the answer to another job (exit 8)', async () => {
    const { ws, keys, store } = await coordinator();
    const honest = await honestWorker(store, keys);
    assert.equal((await farmBuild(ws, store, 'trust-b')).exitCode, 0);
    // What the honest worker returned for trust-b, as anyone with queue access can read it.
    const [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE(), { connection });
    const genuine = (await queue.getCompleted()).find((j) => j.data.project === 'trust-b')!.returnvalue;
    await queue.close();
    connection.disconnect();
    await honest.stop();
    const replayer = await answeringWorker(QUEUE(), redis.url, await makeIdentity(), async () => ({ raw: genuine }));
    const result = await farmBuild(ws, store, 'trust-c', '--out', join(ws, 'out-trust-c'), '--repo', join(ws, 'repo-2'));
    await replayer.close();
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /signature does not cover this job \(.*\), its inputs, target and architecture with this wheel and log: a result made for another job/);
    assert.ok(!existsSync(join(ws, 'repo-2', 'deb')), 'nothing was published');
  });

  it('refuses a worker unpinned in the middle of the run: its result no longer counts (exit 8)', async () => {
    const { ws, keys, store } = await coordinator();
    const worker = await honestWorker(store, keys);
    const running = farmBuild(ws, store, 'trust-slow');
    for (let i = 0; i < 600 && !/trust-slow 1\.0 for debian-12: building/.test(worker.output); i++) await new Promise((r) => setTimeout(r, 50));
    const removed = await pkg2os(['farm', 'trust', 'remove', `worker-${worker.pid}`, '--keys-dir', keys, '--config', '/dev/null']);
    assert.equal(removed.exitCode, 0, removed.stderr);
    const result = await running;
    assert.equal(result.exitCode, 8, result.stderr);
    assert.match(result.stderr, /it is signed by a worker that is not pinned/);
    nothingPublished(result, ws, 'trust-slow');
  });
});

describe('independent agreement (--agree)', () => {
  it('two honest workers: both vouch, and the published package is byte for byte a local build; explain names both', async () => {
    const { ws, keys, store } = await coordinator();
    const pair = [await honestWorker(store, keys), await honestWorker(store, keys)];
    const result = await farmBuild(ws, store, 'trust-d', '--agree', '2', '--json');
    assert.equal(result.exitCode, 0, result.stderr);
    const report = validReport<{ packages: Array<{ builtBy: Array<{ worker: string; key: string }>; packages: Array<{ file: string; sha256: string }> }> }>('report', result.stdout);
    assert.deepEqual(report.packages[0]!.builtBy.map((b) => b.worker).sort(), pair.map((w) => `worker-${w.pid}`).sort(), 'both pinned workers vouch');
    const local = await pkg2os(['build', 'trust-d', '--index-url', index.url, '--out', join(ws, 'local'), '--no-lockfile', '--no-cache', '--maintainer', 'Farm <farm@example.org>'], {}, ws);
    assert.equal(local.exitCode, 0, local.stderr);
    const file = report.packages[0]!.packages[0]!.file;
    assert.equal(await sha(join(ws, 'local', file)), report.packages[0]!.packages[0]!.sha256);
    const pool = (await readdir(join(ws, 'repo', 'deb', 'pool'), { recursive: true })).map(String).find((f) => f.endsWith('.deb'))!;
    assert.equal(await sha(join(ws, 'repo', 'deb', 'pool', pool)), await sha(join(ws, 'local', file)), 'the published .deb is the local build');
    const explained = await pkg2os(['explain', 'trust-d', '--repo', join(ws, 'repo')], {}, ws);
    assert.equal(explained.exitCode, 0, explained.stderr);
    for (const w of pair) assert.match(explained.stdout, new RegExp(`worker-${w.pid} \\(key [0-9a-f]{64}`));
    assert.match(explained.stdout, /byte for byte alike/);
  });

  it('a pinned worker whose build root carries another setuptools: the builds disagree, the project fails naming both digests and the differing files, nothing is published (exit 3)', async (t) => {
    const root = await trixieRoot();
    if ('skip' in root) return t.skip(root.skip);
    const { ws, keys, store } = await coordinator();
    await honestWorker(store, keys);
    const config = join(ws, 'other-root.yaml');
    await writeFile(config, `roots: {debian-12: {path: ${root.path}}}\n`);
    await honestWorker(store, keys, ['--config', config]);
    const result = await farmBuild(ws, store, 'trust-e', '--agree', '2');
    assert.equal(result.exitCode, 3, result.stderr);
    assert.match(result.stderr, /Independent builds of debian-12\/trust-e disagree: worker-\d+ built a wheel with sha256 [0-9a-f]{64}, worker-\d+ one with sha256 [0-9a-f]{64}, from the same inputs; the files that differ: .*trust_e-1\.0\.dist-info\/WHEEL/);
    nothingPublished(result, ws, 'trust-e');
  });
});

describe('checking a published package (verify-build)', () => {
  it('reproduces an honest package (exit 0), and catches one a compromised pinned worker poisoned, naming the planted file (exit 3)', async () => {
    const { ws, keys, store } = await coordinator();
    // Honest: built here, published with its record.
    const honest = await pkg2os(['build', 'trust-a', '--index-url', index.url, '--out', join(ws, 'honest-out'), '--no-lockfile', '--no-cache', '--maintainer', 'Farm <farm@example.org>', '--repo', join(ws, 'repo'), '--key', key], {}, ws);
    assert.equal(honest.exitCode, 0, honest.stderr);
    const reproduced = await pkg2os(['verify-build', 'trust-a', '--repo', join(ws, 'repo'), '--index-url', index.url], {}, ws);
    assert.equal(reproduced.exitCode, 0, reproduced.stderr);
    assert.match(reproduced.stdout, /python3-trust-a_1\.0-1~deb12_all\.deb \(trust-a 1\.0, debian-12\): REPRODUCED — byte for byte/);
    // Compromised: a pinned worker returns a poisoned wheel of the right project, properly signed; it is published.
    const insider = await makeIdentity();
    await pinIdentity(insider, keys, 'insider');
    const wheel = await poisonedWheel('trust-c');
    const [wheelSha, log] = [await putInStore(store, wheel.body), await putInStore(store, 'built fine\n')];
    const fake = await answeringWorker(QUEUE(), redis.url, insider, async () => ({ wheel: { filename: wheel.filename, sha256: wheelSha }, log }));
    const poisoned = await farmBuild(ws, store, 'trust-c');
    await fake.close();
    assert.equal(poisoned.exitCode, 0, poisoned.stderr);
    const caught = await pkg2os(['verify-build', 'python3-trust-c', '--repo', join(ws, 'repo'), '--index-url', index.url], {}, ws);
    assert.equal(caught.exitCode, 3, caught.stderr);
    assert.match(caught.stdout, /DIFFERS — their contents differ/);
    assert.match(caught.stdout, /differs: \/usr\/lib\/python3\/dist-packages\/trust_c\/backdoor\.py/);
    assert.match(caught.stderr, /1 of 1 published file\(s\) are not what their build records make/);
  });
});

describe('the queue', () => {
  it('refuses a queue on another host that takes no password, unless allowed (exit 2)', async () => {
    const { ws, keys, store } = await coordinator();
    await pinIdentity(await makeIdentity(), keys, 'someone');
    const open = await pkg2os(['build', 'trust-a', '--index-url', index.url, '--out', join(ws, 'o'), '--no-lockfile', '--queue', 'redis://10.255.255.1:6379', '--store', store], {}, ws);
    assert.equal(open.exitCode, 2, open.stderr);
    assert.match(open.stderr, /The build queue redis:\/\/10\.255\.255\.1:6379 is on another host and takes no password/);
    const worker = await pkg2os(['worker', '--queue', 'redis://10.255.255.1:6379', '--store', store, '--identity', join(ws, 'id'), '--config', '/dev/null']);
    assert.equal(worker.exitCode, 2, worker.stderr);
    assert.match(worker.stderr, /--allow-open-queue/);
  });

  it('works over TLS (rediss://) with the worker under the README\'s ACL, which refuses it everything else', async () => {
    const { ws, keys, store } = await coordinator();
    const tls = join(ws, 'tls');
    await execa('sh', ['-c', `mkdir -p ${tls} && cd ${tls} && openssl req -x509 -newkey ed25519 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem 2>/dev/null && openssl req -newkey ed25519 -nodes -subj /CN=127.0.0.1 -keyout redis.key -out redis.csr 2>/dev/null && printf 'subjectAltName=IP:127.0.0.1\\n' > ext && openssl x509 -req -in redis.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out redis.pem 2>/dev/null`]);
    const adminPassword = `admin-${Date.now()}`;
    const workerPassword = `worker-${Date.now()}`;
    const acl = (await readFile(new URL('../../../README.md', import.meta.url), 'utf8').catch(() => readFile(join(process.cwd(), 'README.md'), 'utf8'))).match(/^ACL SETUSER pkg2os-worker .*$/m)?.[0];
    assert.ok(acl, 'the README gives the worker\'s ACL');
    const secure = await TestRedis.start(undefined, ['--port', '0', '--tls-port', 'PORT', '--tls-cert-file', join(tls, 'redis.pem'), '--tls-key-file', join(tls, 'redis.key'), '--tls-ca-cert-file', join(tls, 'ca.pem'), '--tls-auth-clients', 'no', '--requirepass', adminPassword], { tls: join(tls, 'ca.pem'), password: adminPassword });
    try {
      await secure.cli(acl!.replace('PASSWORD', workerPassword));
      const env = { NODE_EXTRA_CA_CERTS: join(tls, 'ca.pem') };
      const workerUrl = `rediss://pkg2os-worker:${workerPassword}@127.0.0.1:${secure.port}`;
      const worker = TestWorker.start(workerUrl, store, ['debian-12'], [], undefined, env);
      workers.push(worker);
      await worker.ready();
      await worker.pin(keys);
      const result = await pkg2os(['build', 'trust-b', '--index-url', index.url, '--out', join(ws, 'tls-out'), '--no-lockfile', '--no-cache', '--queue', `rediss://:${adminPassword}@127.0.0.1:${secure.port}`, '--store', store], env, ws);
      assert.equal(result.exitCode, 0, `${result.stderr}\n--- worker:\n${worker.output}`);
      assert.doesNotMatch(result.stderr + worker.output, new RegExp(`${adminPassword}|${workerPassword}`), 'no password is printed');
      // What the worker's user may not do: configure Redis, wipe it, read or write keys outside the build queues.
      for (const command of [['CONFIG', 'GET', '*'], ['FLUSHALL'], ['SET', 'other-key', 'x'], ['KEYS', '*']]) {
        const said = await secure.cli(command, { user: 'pkg2os-worker', password: workerPassword });
        assert.match(said, /NOPERM|no permissions/i, `${command.join(' ')} is refused to the worker: ${said}`);
      }
    } finally {
      await secure.stop();
    }
  });
});
