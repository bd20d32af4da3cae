/**
 * `kill -9` at many points of `pkg2os promote` and `pkg2os rollback`: the
 * channel's apt suite and yum repository each verify with gpgv and list
 * either the set before or the set after, never a mix; the next command
 * finishes what the killed one began (its snapshot recorded), then does its
 * own; and at the end no staging directory is left.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { shipped } from '../../src/paths.js';
import { pkg2os } from '../support/run-cli.js';
import { tinyPackages } from '../support/tiny-packages.js';

const ROUNDS = 14;
/** Rounds more, each killed a few ms after the yum metadata is signed in staging: about when the switch begins. */
const AT_SWITCH = [0, 1, 2, 4, 8, 16, 32, 64];
// Every snapshot stays (the default keeps 10), so that stable-1 can be rolled back to in every round.
const KEEP = ['--keep-snapshots', '100'];
let dir: string;
let key: string;
let repo: string;

type State = { deb: string; rpm: string };

/** Whether a publisher has signed new yum metadata in its staging directory (rpm/…/repodata is switched next). */
function signedInStaging(): boolean {
  try {
    return readdirSync(repo).some((d) => d.startsWith('.staging-yum-') && existsSync(join(repo, d, 'out/repodata/repomd.xml.asc')));
  } catch {
    return false;
  }
}

/** What channel stable serves, as clients check it: name=version of every package, per kind. */
async function stable(): Promise<State> {
  await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repo, 'deb/dists/bookworm-stable/InRelease')]);
  const inRelease = await readFile(join(repo, 'deb/dists/bookworm-stable/InRelease'), 'utf8');
  const packages = await readFile(join(repo, 'deb/dists/bookworm-stable/main/binary-amd64/Packages'), 'utf8');
  const { createHash } = await import('node:crypto');
  assert.ok(inRelease.includes(createHash('sha256').update(packages).digest('hex')), 'the signed InRelease names this Packages');
  const deb = [...packages.matchAll(/^Package: (.+)\nVersion: (.+)$/gm)].map((m) => `${m[1]}=${m[2]}`).sort().join(' ');
  const repodata = join(repo, 'rpm/el9-stable/repodata');
  await execa('gpgv', ['--keyring', join(repo, 'KEY.gpg'), join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml')]);
  const primary = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(await readFile(join(repodata, 'repomd.xml'), 'utf8'))![1]!;
  const xml = (await execa('xz', ['-dc', join(repo, 'rpm/el9-stable', primary)])).stdout;
  const rpm = [...xml.matchAll(/<name>([^<]+)<\/name>[\s\S]*?<version epoch="\d+" ver="([^"]+)"/g)].map((m) => `${m[1]}=${m[2]}`).sort().join(' ');
  return { deb, rpm };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg2os-channel-crash-'));
  repo = join(dir, 'repo');
  assert.equal((await pkg2os(['keys', 'generate', '--name', 'Crash', '--email', 'c@example.org', '--out', join(dir, 'key'), '--type', 'ed25519'])).exitCode, 0);
  key = join(dir, 'key', 'private.asc');
  const v1 = await tinyPackages(join(dir, 'v1'), ['alpha', 'beta', 'gamma']);
  const v2 = await tinyPackages(join(dir, 'v2'), ['alpha', 'beta', 'gamma'], 0, '2.0');
  for (const args of [['publish', ...v1, '--channel', 'testing'], ['promote', '--from', 'testing', '--to', 'stable'], ['publish', ...v2, '--channel', 'testing', '--keep-versions', '1']]) {
    const r = await pkg2os([...args, '--repo', repo, '--key', key]);
    assert.equal(r.exitCode, 0, r.stderr);
  }
});

describe('promote and rollback killed with SIGKILL', () => {
  it(`at ${ROUNDS} points and ${AT_SWITCH.length} about the yum switch: each kind of channel stable is before or after, never between, and the next command finishes the switch`, { timeout: 10 * 60_000 }, async (t) => {
    const one = await stable();
    // Promote testing-2 (2.0) to stable, then roll stable back to stable-1 (1.0), and so on: every command changes every file.
    const promote = ['promote', '--from', 'testing', '--to', 'stable', '--snapshot', 'testing-2'];
    const rollback = ['rollback', 'stable', '--to', 'stable-1'];
    const timed = performance.now();
    assert.equal((await pkg2os([...promote, '--repo', repo, '--key', key])).exitCode, 0);
    const duration = performance.now() - timed;
    const two = await stable();
    assert.notDeepEqual(one, two);
    assert.match(two.deb, /python3-alpha=2\.0-1~deb12/);
    let current = two;
    const landed: string[] = [];
    const midSwitch: string[] = [];
    for (let round = 0; round < ROUNDS + AT_SWITCH.length; round++) {
      const [args, wanted] = current.deb === two.deb ? [rollback, one] : [promote, two];
      const atSwitch = round >= ROUNDS ? AT_SWITCH[round - ROUNDS]! : undefined;
      const delay = atSwitch ?? Math.round((duration * (round + 0.5)) / ROUNDS);
      const child = execa(shipped('bin', 'pkg2os'), [...args, ...KEEP, '--repo', repo, '--key', key], { reject: false });
      let timer: NodeJS.Timeout | undefined;
      const poll = setInterval(() => {
        if (atSwitch === undefined || timer || !signedInStaging()) return;
        timer = setTimeout(() => child.kill('SIGKILL'), atSwitch);
      }, 1);
      if (atSwitch === undefined) timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const result = await child.finally(() => {
        clearInterval(poll);
        clearTimeout(timer);
      });
      const where = `round ${round} (${args[0]}, SIGKILL ${atSwitch === undefined ? `after ${delay} ms` : `${atSwitch} ms after the yum metadata was signed`})`;
      const now = await stable();
      for (const kind of ['deb', 'rpm'] as const) assert.ok(now[kind] === current[kind] || now[kind] === wanted[kind], `${where}: ${kind} is between: ${now[kind]}`);
      if (result.signal === 'SIGKILL') landed.push(atSwitch === undefined ? `${delay}` : `switch+${atSwitch}`);
      else assert.equal(result.exitCode, 0, `${where}: ${result.stderr}`);
      if ((await readdir(join(repo, '.pkg2os'))).includes('pending.json')) midSwitch.push(`${atSwitch === undefined ? `${delay} ms` : `switch+${atSwitch} ms`}: deb ${now.deb === wanted.deb ? 'after' : 'before'}, rpm ${now.rpm === wanted.rpm ? 'after' : 'before'}`);
      // The next command (the same one again) finishes any switch the killed one began, then does its own.
      const again = await pkg2os([...args, ...KEEP, '--repo', repo, '--key', key]);
      assert.equal(again.exitCode, 0, `${where}, then again: ${again.stderr}`);
      current = await stable();
      assert.deepEqual(current, wanted, `${where}: the command run again leaves stable as asked`);
    }
    t.diagnostic(`kills that landed (ms after the start of a ~${Math.round(duration)} ms command, or after the yum metadata was signed): ${landed.join(', ')}`);
    t.diagnostic(`killed with a switch under way, which the next command finished: ${midSwitch.join('; ') || 'none'}`);
    assert.ok(landed.length >= (ROUNDS + AT_SWITCH.length) / 2, `only ${landed.length} of ${ROUNDS + AT_SWITCH.length} kills landed before the command ended`);
    const snapshots = JSON.parse((await pkg2os(['snapshots', 'list', '--repo', repo, '--json'])).stdout) as { snapshots: Array<{ id: string; channel: string; files: number }> };
    for (const s of snapshots.snapshots.filter((x) => x.channel === 'stable')) assert.equal(s.files, 6, `${s.id} names a whole set, 3 .debs and 3 .rpms`);
    const all = (await readdir(repo, { recursive: true })).map(String);
    assert.deepEqual(all.filter((f) => /(^|\/)\.staging-/.test(f) || /\.tmp$/.test(f)), [], 'no staging left after the last command');
    assert.equal((await readdir(join(repo, '.pkg2os'))).includes('pending.json'), false, 'no switch left half done');
  });
});
