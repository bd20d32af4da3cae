/**
 * One publisher at a time, provably: many publishers started together, on a
 * repository with and without what a dead publisher leaves (a lock file,
 * empty or with a dead pid; a staging directory), with the CPU busy, round
 * after round. Every package each publisher added is listed afterwards, and
 * the repository verifies every time. (Before the lock was the kernel's,
 * two waiters could both take a dead holder's lock over, and a package was
 * lost in 4 of 160 rounds.)
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ResultPromise, execa } from 'execa';
import { OpenPgpSigner, type Signer } from '../../src/coordinator/keys/signer.js';
import { loadSigningKey } from '../../src/coordinator/keys/signing-key.js';
import { publishRepository } from '../../src/coordinator/repositories/publish.js';
import type { RepoSettings } from '../../src/coordinator/publish/repo.types.js';
import { TARGETS } from '../../src/config/targets.js';
import { pkg2os } from '../support/run-cli.js';

const PUBLISHERS = 4;
const ROUNDS = 60;
let dir: string;
let keyDir: string;
let signer: Signer;
const load: ResultPromise[] = [];

/** `count` tiny distinct .debs for Debian 12, made with dpkg-deb. */
async function debs(count: number): Promise<string[]> {
  const out = join(dir, 'debs');
  await mkdir(out, { recursive: true });
  const script = `set -e; for i in $(seq 0 ${count - 1}); do d=$(mktemp -d); mkdir -p $d/DEBIAN; printf 'Package: python3-con-%s\\nVersion: 1.0-1~deb12\\nArchitecture: all\\nMaintainer: T <t@example.org>\\nDescription: c %s\\n' $i $i > $d/DEBIAN/control; dpkg-deb --build -Zgzip --root-owner-group $d ${out}/python3-con-\${i}_1.0-1~deb12_all.deb >/dev/null; rm -rf $d; done`;
  await execa('bash', ['-c', script]);
  return Array.from({ length: count }, (_, i) => join(out, `python3-con-${i}_1.0-1~deb12_all.deb`));
}

const settings = (root: string): RepoSettings => ({ root, codenames: { 'debian-12': 'bookworm' }, architectures: ['amd64'], validFor: 86400, retention: 172800, keepVersions: 3 });

/** The packages the signed InRelease of bookworm vouches for (gpgv with the repository's key, then Packages by the digest it lists). */
async function listed(root: string): Promise<Set<string>> {
  await execa('gpgv', ['--keyring', join(root, 'KEY.gpg'), join(root, 'deb/dists/bookworm/InRelease')]);
  const packages = await readFile(join(root, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  return new Set([...packages.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]!));
}

/** What a dead publisher leaves: a lock file (empty, or naming a pid that is gone) and a staging directory. */
async function leaveStale(root: string, round: number): Promise<void> {
  await writeFile(join(root, '.pkg2os-publish.lock'), round % 2 ? '' : '999999 nowhere\n');
  await writeFile(join(root, '.pkg2os-publish.owner'), '999999 nowhere\n');
  await mkdir(join(root, 'deb', `.staging-bookworm-dead${round}`), { recursive: true });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-concurrency-'));
  keyDir = join(dir, 'key');
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Concurrency', '--email', 'c@example.org', '--out', keyDir, '--type', 'ed25519'])).exitCode, 0);
  signer = new OpenPgpSigner(await loadSigningKey({ keyFile: join(keyDir, 'private.asc') }));
  // Both cores busy all along: publishers interleave as they would on a loaded host.
  for (let i = 0; i < 2; i++) load.push(execa('sh', ['-c', 'while :; do :; done'], { reject: false }));
});
after(() => {
  for (const busy of load) busy.kill('SIGKILL');
});

describe('concurrent publishers', () => {
  it(`${ROUNDS} rounds of ${PUBLISHERS} publishers at once (in one process, each with its own kernel lock), half of them after a dead publisher: nothing is lost, everything verifies`, { timeout: 20 * 60_000 }, async () => {
    const files = await debs(ROUNDS * PUBLISHERS);
    const root = join(dir, 'repo');
    await mkdir(root, { recursive: true });
    const expected = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2) await leaveStale(root, round);
      const mine = files.slice(round * PUBLISHERS, (round + 1) * PUBLISHERS);
      const results = await Promise.allSettled(mine.map((deb) => publishRepository({ settings: settings(root), files: [deb], signer, defaultTarget: TARGETS['debian-12'], lockTimeoutMs: 120_000 })));
      for (const r of results) assert.equal(r.status, 'fulfilled', r.status === 'rejected' ? String((r.reason as Error).message) : '');
      for (const deb of mine) expected.add(/python3-con-\d+/.exec(deb)![0]);
      const now = await listed(root);
      for (const pkg of expected) assert.ok(now.has(pkg), `round ${round}: ${pkg} was published and is not listed`);
    }
  });

  it('4 pkg2os publish processes at once after a dead publisher, 10 times: every package listed, the repository verifies', { timeout: 10 * 60_000 }, async () => {
    const files = await debs(40);
    const root = join(dir, 'repo-cli');
    await mkdir(join(root, 'deb'), { recursive: true });
    for (let round = 0; round < 10; round++) {
      await leaveStale(root, round);
      const mine = files.slice(round * 4, round * 4 + 4);
      const runs = await Promise.all(mine.map((deb) => pkg2os(['publish', '--repo', root, '--target', 'debian-12', deb], { PKG2OS_SIGNING_KEY: join(keyDir, 'private.asc') })));
      for (const r of runs) assert.equal(r.exitCode, 0, r.stderr);
      const now = await listed(root);
      for (let i = 0; i <= round * 4 + 3; i++) assert.ok(now.has(`python3-con-${i}`), `round ${round}: python3-con-${i} is not listed`);
    }
  });
});
