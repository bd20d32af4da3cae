/**
 * The index as it fails in the real world, from a fault-injecting index of
 * the test's own on 127.0.0.1: transient failures (500, 502, 503, 504, 429
 * with Retry-After, a reset connection, a body cut short) are retried with
 * backoff, each retry said; permanent ones end with exit 6 and the last
 * cause; a huge page, a gzip bomb and a page served a byte at a time are cut
 * off at their limits in bounded memory and time; malformed pages and
 * signatures or provenance on another origin are refused naming the page;
 * never a stack trace, and nothing half-written stays.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { IndexServer } from '../support/index-server.js';
import { pkg2os } from '../support/run-cli.js';
import { makeSdist } from '../support/sdist-fixtures.js';

const index = new IndexServer({ mode: 'html' });
let dir: string;
let fast: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-faults-'));
  index.add('steady', await makeSdist({ name: 'steady', version: '1.0' }));
  await index.start();
  // Short waits between retries and short timeouts, so that the test does not wait as a real run would.
  fast = join(dir, 'fast.yaml');
  await writeFile(fast, 'index-limits: {retries: 3, connect-timeout: 5s, read-timeout: 2s}\n');
});
after(() => index.stop());

const build = async (extra: string[] = [], config = fast) => {
  const out = join(await mkdtemp(join(dir, 'run-')), 'out');
  return { out, ...(await pkg2os(['build', 'steady', '--index-url', index.url, '--out', out, '--no-lockfile', '--no-cache', '--target', 'debian-12', '--config', config, ...extra])) };
};
const clean = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at .*:\d+:\d+\)?$/m, 'no stack trace');

describe('an index that fails for a while', () => {
  it('retries 500, 503 and 429 (with Retry-After) on the page and a reset and a short body on the sdist, saying so, then builds', async () => {
    index.faults.set('/simple/steady/', [{ status: 500 }, { status: 503 }, { status: 429, retryAfter: 1 }]);
    index.faults.set('/files/steady-1.0.tar.gz', [{ reset: 'mid' }, { short: true }]);
    const result = await build();
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /the server answered 500 .*trying again in [\d.]+ s \(retry 1 of 3\)/);
    assert.match(result.stderr, /the server answered 429 .*trying again in 1\.0 s \(retry 3 of 3\)/, 'Retry-After is honoured');
    assert.match(result.stderr, /steady-1\.0\.tar\.gz: the answer broke off .*retry 1 of 3/);
    assert.ok(existsSync(join(result.out, 'deb', 'python3-steady_1.0-1~deb12_all.deb')));
  });

  it('ends with exit 6 and the last cause when the failure stays (--retries 2: three requests)', async () => {
    index.faults.set('/simple/steady/', [{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }]);
    const before = index.requests.filter((r) => r === '/simple/steady/').length;
    const result = await build(['--retries', '2']);
    assert.equal(result.exitCode, 6, result.stderr);
    assert.match(result.stderr, /Could not read the index page of "steady" from .*: the server answered 502 Bad Gateway \(after 3 tries\)/);
    assert.equal(index.requests.filter((r) => r === '/simple/steady/').length - before, 3);
    index.faults.delete('/simple/steady/');
    clean(result.stderr);
  });
});

describe('pages that would take the memory or the time', () => {
  const measured = async (fault: Parameters<typeof index.faults.set>[1][number], config = fast) => {
    index.faults.set('/simple/steady/', [fault, fault, fault, fault]);
    const out = join(await mkdtemp(join(dir, 'run-')), 'out');
    const r = await execa('/usr/bin/time', ['-f', 'maxrss=%M', shipped('bin', 'pkg2os'), 'build', 'steady', '--index-url', index.url, '--out', out, '--no-lockfile', '--no-cache', '--target', 'debian-12', '--config', config], { reject: false, env: { PKG2OS_KEYS_DIR: join(dir, 'keys')} });
    index.faults.delete('/simple/steady/');
    return { exitCode: r.exitCode, stderr: String(r.stderr), rssMiB: Number(/maxrss=(\d+)/.exec(String(r.stderr))?.[1]) / 1024, out };
  };

  it('a 2 GB page is refused at 32 MiB (exit 6) with pkg2os under 300 MiB', async (t) => {
    const r = await measured({ huge: 2 * 1024 ** 3 });
    t.diagnostic(`peak RSS of pkg2os: ${Math.round(r.rssMiB)} MiB`);
    assert.equal(r.exitCode, 6, r.stderr);
    assert.match(r.stderr, /is larger than 32 MiB \(decompressed\); pkg2os stopped reading it/);
    assert.ok(r.rssMiB < 300, `peak memory ${Math.round(r.rssMiB)} MiB`);
    clean(r.stderr);
  });

  it('a gzip bomb (2 GB of spaces) is refused the same way, in bounded memory', async (t) => {
    const r = await measured({ gzipBomb: 2 * 1024 ** 3 });
    t.diagnostic(`peak RSS of pkg2os: ${Math.round(r.rssMiB)} MiB`);
    assert.equal(r.exitCode, 6, r.stderr);
    assert.match(r.stderr, /is larger than 32 MiB \(decompressed\)/);
    assert.ok(r.rssMiB < 300, `peak memory ${Math.round(r.rssMiB)} MiB`);
  });

  it('a page served a byte at a time ends at the read timeout with exit 6 and a plain message', async () => {
    const slow = join(dir, 'slow.yaml');
    await writeFile(slow, 'index-limits: {retries: 0, read-timeout: 2s}\n');
    const started = Date.now();
    const r = await measured({ slow: 0.5 }, slow);
    assert.equal(r.exitCode, 6, r.stderr);
    assert.match(r.stderr, /nothing arrived for 2 s/);
    assert.ok(Date.now() - started < 60_000);
    clean(r.stderr);
  });
});

describe('malformed pages and other origins', () => {
  const bodies: Array<[string, string, string]> = [
    ['a PEP 691 body that is null', 'null', 'application/vnd.pypi.simple.v1+json'],
    ['a file entry that is null', '{"meta":{"api-version":"1.0"},"files":[null]}', 'application/vnd.pypi.simple.v1+json'],
    ['an href that is no URL', '<a href="http://[::1">steady-1.0.tar.gz</a>', 'text/html'],
    ['a <base href> that is no URL', '<base href="http://[::1"><a href="steady-1.0.tar.gz">steady-1.0.tar.gz</a>', 'text/html'],
  ];
  for (const [what, body, contentType] of bodies) {
    it(`refuses ${what} with exit 6, naming the page`, async () => {
      index.faults.set('/simple/steady/', [{ body, contentType }]);
      const result = await build();
      assert.equal(result.exitCode, 6, result.stderr);
      assert.match(result.stderr, /The index page http:\/\/127\.0\.0\.1:\d+\/simple\/steady\/ is malformed/);
      clean(result.stderr);
    });
  }

  it('never reads provenance from another origin than the index\'s and its file\'s (exit 6)', async () => {
    const elsewhere = new IndexServer();
    await elsewhere.start();
    const page = (await (await fetch(index.url + 'steady/')).text()).replace('<a href="../../files/steady-1.0.tar.gz', `<a data-provenance="${elsewhere.url}steady/provenance" href="../../files/steady-1.0.tar.gz`);
    index.faults.set('/simple/steady/', [{ body: page }]);
    const result = await build();
    await elsewhere.stop();
    assert.equal(result.exitCode, 6, result.stderr);
    assert.match(result.stderr, /another origin than the index's and its file's/);
    assert.equal(elsewhere.requests.length, 0, 'nothing was asked of the other origin');
  });
});
