/**
 * Ctrl-C (SIGINT) or SIGTERM during `pkg2os publish`, at many points: the
 * run exits 130/143, the lock is free at once, no staging directory, no
 * temporary file in the repository and no temporary directory (the key's
 * public parts, the signing socket) is left, and the repository still
 * verifies as a client checks it. The next publish of everything lists
 * everything. (Before, of 15 interrupts that landed, the lock stayed 7
 * times, staging directories 7 times and temporary directories 8 times.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { pkg2os } from '../support/run-cli.js';
import { tinyPackages } from '../support/tiny-packages.js';

const ROUNDS = 24;
let dir: string;
let key: string;

/** Two tiny .debs and .rpms for round `round`. */
async function packages(round: number, count: number): Promise<string[]> {
  return tinyPackages(join(dir, `round-${round}`), Array.from({ length: count }, (_, i) => `int-${round}-${i}`));
}

/** The repository as a client checks it: InRelease and repomd.xml.asc verify with KEY.gpg, and name the indices that are there. */
async function verifies(root: string): Promise<{ debs: Set<string>; rpms: Set<string> }> {
  await execa('gpgv', ['--keyring', join(root, 'KEY.gpg'), join(root, 'deb/dists/bookworm/InRelease')]);
  const packagesText = await readFile(join(root, 'deb/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
  const inRelease = await readFile(join(root, 'deb/dists/bookworm/InRelease'), 'utf8');
  assert.ok(inRelease.includes(createHash('sha256').update(packagesText).digest('hex')), 'the signed InRelease lists this Packages');
  const repodata = join(root, 'rpm/el9/repodata');
  await execa('gpgv', ['--keyring', join(root, 'KEY.gpg'), join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')]);
  const repomd = await readFile(join(repodata, 'repomd.xml'), 'utf8');
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1]!;
  const xml = (await execa('xz', ['-dc', join(root, 'rpm/el9', primary)])).stdout;
  for (const [, file] of xml.matchAll(/<location href="([^"]+)"/g)) assert.ok(existsSync(join(root, 'rpm/el9', file!)), `${file} is listed and is there`);
  return {
    debs: new Set([...packagesText.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]!)),
    rpms: new Set([...xml.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]!)),
  };
}

/** What an interrupted publish must not leave: staging directories and temporary files anywhere in the repository. */
async function leftovers(root: string): Promise<string[]> {
  const all = (await readdir(root, { recursive: true })).map(String);
  return all.filter((f) => /(^|\/)\.staging-/.test(f) || /\.tmp$/.test(f));
}

/** Whether the publish lock is free now (flock without waiting). */
async function lockFree(root: string): Promise<boolean> {
  const lock = join(root, '.pkg2os-publish.lock');
  if (!existsSync(lock)) return true;
  return (await execa('flock', ['--nonblock', lock, 'true'], { reject: false })).exitCode === 0;
}

const entries = (path: string) => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/** The points to interrupt at: things the publish makes on its way, then plain delays. */
function point(round: number, root: string, temp: string, started: number, pid: () => number | undefined): { name: string; now(): boolean } {
  // pkg2os makes its temporary directories inside one of its own (pkg2os-run-*) in TMPDIR.
  const inTemp = () => entries(temp).flatMap((run) => entries(join(temp, run)));
  const events = [
    { name: 'lock taken', now: () => (entries(root).includes('.pkg2os-publish.owner') && readFileSafe(join(root, '.pkg2os-publish.owner')).startsWith(`${pid()} `)) },
    { name: 'key parts written', now: () => inTemp().some((f) => f.startsWith('pkg2os-pubkey-')) },
    { name: 'signing socket open', now: () => inTemp().some((f) => f.startsWith('pkg2os-sign-')) },
    { name: 'yum staging made', now: () => entries(root).some((f) => f.startsWith('.staging-yum-')) },
    { name: 'rpm copied into the pool', now: () => entries(join(root, 'rpm/el9/Packages')).some((f) => f.includes(`int-${round}-`)) },
    { name: 'apt staging made', now: () => entries(join(root, 'deb')).some((f) => f.startsWith('.staging-bookworm-')) },
  ];
  if (round < events.length * 2) return events[round % events.length]!;
  const delay = 150 + 40 * (round - events.length * 2) ** 1.6;
  return { name: `${Math.round(delay)} ms in`, now: () => performance.now() - started >= delay };
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-interrupt-'));
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Interrupt', '--email', 'i@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
});

describe('publish interrupted by SIGINT or SIGTERM', () => {
  it(`at ${ROUNDS} points: exits 130/143, frees the lock, leaves no staging, temporary file or key-holding directory, and the repository verifies`, { timeout: 15 * 60_000 }, async (t) => {
    const root = join(dir, 'repo');
    const first = await pkg2os(['publish', '--repo', root, '--key', key, ...(await packages(-1, 2))]);
    assert.equal(first.exitCode, 0, first.stderr);
    const all: string[] = [];
    const landed: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const files = await packages(round, 2);
      all.push(...files);
      const temp = await mkdtemp(join(dir, `tmp-${round}-`));
      const signal = round % 2 ? 'SIGTERM' : 'SIGINT';
      const started = performance.now();
      const child = execa(shipped('bin', 'pkg2os'), ['publish', '-v', '--repo', root, '--key', key, ...files], { reject: false, env: { TMPDIR: temp, PKG2OS_KEYS_DIR: join(dir, 'keys') } });
      const at = point(round, root, temp, started, () => child.pid);
      let sent = false;
      const timer = setInterval(() => {
        if (!sent && at.now()) {
          sent = true;
          child.kill(signal);
        }
      }, 2);
      const result = await child.finally(() => clearInterval(timer));
      const where = `round ${round} (${signal} at "${at.name}")`;
      if (result.signal === signal) {
        // Stopped before pkg2os had started (its handlers were not yet there): nothing was made.
      } else if (sent && result.exitCode !== 0) {
        assert.equal(result.exitCode, signal === 'SIGINT' ? 130 : 143, `${where}: ${result.stderr}`);
        landed.push(at.name);
      } else {
        assert.equal(result.exitCode, 0, `${where}: ${result.stderr}`);
      }
      assert.deepEqual(await leftovers(root), [], `${where}: left in the repository`);
      assert.deepEqual(await readdir(temp), [], `${where}: left in TMPDIR`);
      assert.ok(await lockFree(root), `${where}: the lock is still held`);
      await verifies(root);
    }
    t.diagnostic(`interrupts that landed mid-publish: ${landed.join(', ')}`);
    assert.ok(landed.length >= ROUNDS / 2, `only ${landed.length} of ${ROUNDS} interrupts landed before the publish ended (${landed.join(', ')})`);
    const last = await pkg2os(['publish', '--repo', root, '--key', key, ...all]);
    assert.equal(last.exitCode, 0, last.stderr);
    const { debs, rpms } = await verifies(root);
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of [0, 1]) {
        assert.ok(debs.has(`python3-int-${round}-${i}`), `python3-int-${round}-${i} is listed by apt`);
        assert.ok(rpms.has(`python3-int-${round}-${i}`), `python3-int-${round}-${i} is listed by yum`);
      }
    }
  });
});
