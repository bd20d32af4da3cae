/**
 * The yum metadata goes live in one step. With every rename pkg2os makes
 * slowed by 300 ms (strace's fault injection), a reader checking the live
 * repomd.xml.asc against the live repomd.xml with gpgv throughout a publish
 * never finds a pair that does not verify. (Before, the .asc was renamed in,
 * then repomd.xml: a client, or a publisher killed in between, saw a BAD
 * signature for as long as the gap lasted.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { pkg2os } from '../support/run-cli.js';
import { tinyPackages } from '../support/tiny-packages.js';

let dir: string;
let key: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-yum-switch-'));
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Switch', '--email', 's@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
});

/** Whether the live pair verifies now (gpgv reads both). */
async function verifies(repodata: string, keyring: string): Promise<boolean> {
  return (await execa('gpgv', ['--keyring', keyring, join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')], { reject: false })).exitCode === 0;
}

describe('the yum switch-over', () => {
  it('never shows a repomd.xml.asc beside a repomd.xml it does not sign, even with every rename slowed by 300 ms', { timeout: 5 * 60_000 }, async () => {
    const repo = join(dir, 'repo');
    const v1 = await tinyPackages(join(dir, 'v1'), ['alpha']);
    const v2 = await tinyPackages(join(dir, 'v2'), ['alpha'], 0, '2.0');
    assert.equal((await pkg2os(['publish', '--repo', repo, '--key', key, ...v1])).exitCode, 0);
    const repodata = join(repo, 'rpm/el9/repodata');
    const keyring = join(repo, 'KEY.gpg');
    let running = true;
    let checks = 0;
    const bad: number[] = [];
    const started = performance.now();
    const reader = (async () => {
      while (running) {
        checks++;
        // Two failures 5 ms apart: a state that stays, not a read that straddled the one-step switch.
        if (!(await verifies(repodata, keyring))) {
          await new Promise((r) => setTimeout(r, 5));
          if (!(await verifies(repodata, keyring))) bad.push(Math.round(performance.now() - started));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // libuv's io_uring would keep Node's renames out of strace's sight.
    const publish = await execa('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename,renameat,renameat2', '-e', 'inject=rename,renameat,renameat2:delay_exit=300000', shipped('bin', 'pkg2os'), 'publish', '--repo', repo, '--key', key, ...v2], { reject: false, env: { UV_USE_IO_URING: '0' } });
    running = false;
    await reader;
    assert.equal(publish.exitCode, 0, publish.stderr);
    assert.ok(performance.now() - started > 2000, 'the renames were slowed (strace injected the delays)');
    assert.ok(checks > 20, `the reader checked ${checks} times`);
    assert.deepEqual(bad, [], `the live repomd.xml.asc did not sign the live repomd.xml at these times (ms): ${bad.join(', ')}`);
    assert.ok(await verifies(repodata, keyring));
    const primary = /<data type="primary">[\s\S]*?<location href="repodata\/([^"]+)"/.exec(await readFile(join(repodata, 'repomd.xml'), 'utf8'))![1]!;
    assert.match((await execa('xz', ['-dc', join(repodata, primary)])).stdout, /<version epoch="0" ver="2\.0"/, 'and the new metadata is live');
  });
});
