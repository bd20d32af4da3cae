/**
 * Benchmark 4, publishing at scale, against the floor and against the peers
 * users compare pkg2os with: aptly and reprepro (Debian's packages; skipped,
 * saying why, when not installed: `make bench` installs them). Same .debs,
 * same RSA-4096 key (GnuPG for the peers, openpgp.js for pkg2os), same
 * machine, same run; each figure is the median of five fresh runs, each started after `sync`.
 *   - full publish of N packages, and one package added to it;
 *   - O(change): the one-added time at 10,000 as a multiple of that at 1,000
 *     (printed with the 10,000 row);
 *   - yum: signing cost per rpm against rpmsign with a GnuPG agent signing the
 *     same rpms, and the full yum publish against createrepo_c alone.
 */
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shipped } from '../src/paths.js';
import { type Measure, measure, row } from './measure.js';
import { syntheticPackages } from './synthetic.js';

const REPS = Number(process.env.PKG2OS_BENCH_REPS ?? 5);

/**
 * A measurement that starts with no dirty pages: `sync` first, so no tool
 * pays for writing back what the one before it (or its own setup) wrote.
 * Without it the order of the tools decided the 1,000-package figures.
 */
async function measureSettled(...args: Parameters<typeof measure>): Promise<Measure> {
  await execa('sync');
  return measure(...args);
}

/** The median of REPS runs, each after its own `setup` (a fresh repository for a full publish). */
async function median(run: (rep: number) => Promise<Measure>): Promise<Measure> {
  const all: Measure[] = [];
  for (let rep = 0; rep < REPS; rep++) all.push(await run(rep));
  all.sort((a, b) => a.seconds - b.seconds);
  return all[Math.floor(all.length / 2)]!;
}

/** A peer's version, or why it cannot run. */
export async function peerVersions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const aptly = await execa('aptly', ['version'], { reject: false });
  out.aptly = aptly.exitCode === 0 ? String(aptly.stdout).replace(/^aptly version: /, '').trim() : 'not installed (apt-get install aptly)';
  const reprepro = await execa('reprepro', ['--version'], { reject: false, all: true });
  out.reprepro = reprepro.exitCode === 0 ? (/version (\S+)/.exec(String(reprepro.all))?.[1] ?? 'unknown') : 'not installed (apt-get install reprepro)';
  return out;
}

interface Keys {
  dir: string;
  gnupg: string;
  fingerprint: string;
}

async function keys(dir: string): Promise<Keys> {
  await execa(shipped('bin', 'pkg2os'), ['keys', 'generate', '--name', 'Bench', '--email', 'bench@example.org', '--out', join(dir, 'key')]);
  const gnupg = join(dir, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  await execa('gpg', ['--batch', '--import', join(dir, 'key/private.asc')], { env: { GNUPGHOME: gnupg } });
  const listed = String((await execa('gpg', ['--with-colons', '--list-secret-keys'], { env: { GNUPGHOME: gnupg } })).stdout);
  return { dir, gnupg, fingerprint: /^fpr:+([0-9A-F]{40}):/m.exec(listed)![1]! };
}

async function extraDeb(dir: string, name: string): Promise<string> {
  const tree = join(dir, name);
  await mkdir(join(tree, 'DEBIAN'), { recursive: true });
  await writeFile(join(tree, 'DEBIAN/control'), `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Bench <bench@example.org>\nDescription: extra\n`);
  await execa('dpkg-deb', ['--build', '--root-owner-group', tree, `${tree}.deb`]);
  return `${tree}.deb`;
}

/** Each tool: a full publish into a fresh repository, then one package added (medians of REPS). */
type Tool = { full(debs: string, repo: string): Promise<Measure>; one(deb: string, repo: string): Promise<Measure> };

function tools(k: Keys, debList: string[], from: string, versions: Record<string, string>): Record<string, Tool> {
  const env = { PKG2OS_SIGNING_KEY: join(k.dir, 'key/private.asc'), GNUPGHOME: k.gnupg };
  const pkg2os = shipped('bin', 'pkg2os');
  const out: Record<string, Tool> = {
    pkg2os: {
      full: (_debs, repo) => measureSettled(pkg2os, ['publish', '--repo', repo, '--target', 'debian-12', '--from', from], { env }),
      one: (deb, repo) => measureSettled(pkg2os, ['publish', '--repo', repo, '--target', 'debian-12', deb], { env }),
    },
  };
  if (!versions.aptly!.startsWith('not')) {
    const conf = (repo: string) => ['-config', join(repo, 'aptly.conf')];
    out.aptly = {
      full: async (debs, repo) => {
        await mkdir(repo, { recursive: true });
        await writeFile(join(repo, 'aptly.conf'), JSON.stringify({ rootDir: repo, gpgProvider: 'gpg2', architectures: ['amd64'] }));
        await execa('aptly', [...conf(repo), 'repo', 'create', '-distribution=bookworm', '-component=main', 'bench']);
        return measureSettled('bash', ['-c', `aptly -config ${repo}/aptly.conf repo add -force-replace bench ${debs} >/dev/null && aptly -config ${repo}/aptly.conf publish repo -gpg-key=${k.fingerprint} -batch bench >/dev/null`], { env });
      },
      one: (deb, repo) => measureSettled('bash', ['-c', `aptly -config ${repo}/aptly.conf repo add bench ${deb} >/dev/null && aptly -config ${repo}/aptly.conf publish update -gpg-key=${k.fingerprint} -batch bookworm >/dev/null`], { env }),
    };
  }
  if (!versions.reprepro!.startsWith('not')) {
    out.reprepro = {
      full: async (_debs, repo) => {
        await mkdir(join(repo, 'conf'), { recursive: true });
        await writeFile(join(repo, 'conf/distributions'), `Codename: bookworm\nArchitectures: amd64\nComponents: main\nSignWith: ${k.fingerprint}\n`);
        return measureSettled('reprepro', ['-S', 'python', '-P', 'optional', '-b', repo, 'includedeb', 'bookworm', ...debList], { env });
      },
      one: (deb, repo) => measureSettled('reprepro', ['-S', 'python', '-P', 'optional', '-b', repo, 'includedeb', 'bookworm', deb], { env }),
    };
  }
  return out;
}

const oneAdded = new Map<number, number>();

export async function benchPublish(n: number, versions: Record<string, string>): Promise<void> {
  const { debs, rpms } = await syntheticPackages(n);
  const dir = await mkdtemp(join(tmpdir(), `pkg2os-bench-publish-${n}-`));
  const k = await keys(dir);
  const debList = (await readdir(debs)).map((f) => join(debs, f));
  const from = join(dir, 'from');
  await mkdir(join(from, 'deb'), { recursive: true });
  for (const f of debList) await copyFile(f, join(from, 'deb', f.split('/').pop()!));
  // The floor: apt-ftparchive over the same pool, and gpg --clearsign with the same key.
  const floor = await median(async (rep) => {
    const root = join(dir, `floor-${rep}`);
    await mkdir(join(root, 'pool'), { recursive: true });
    await mkdir(join(root, 'dists/bookworm/main/binary-amd64'), { recursive: true });
    return measureSettled('bash', ['-c', `set -e; cd ${root}; cp ${debs}/*.deb pool/; apt-ftparchive packages pool > dists/bookworm/main/binary-amd64/Packages; gzip -9 -k -f dists/bookworm/main/binary-amd64/Packages; apt-ftparchive -o APT::FTPArchive::Release::Codename=bookworm release dists/bookworm > Release.tmp && mv Release.tmp dists/bookworm/Release; GNUPGHOME=${k.gnupg} gpg --batch --yes --clearsign -o dists/bookworm/InRelease dists/bookworm/Release`]);
  });
  const results: Record<string, { full: Measure; one: Measure }> = {};
  for (const [name, tool] of Object.entries(tools(k, debList, from, versions))) {
    let extra = 0;
    const full = await median((rep) => tool.full(`${debs}/*.deb`, join(dir, `${name}-${rep}`)));
    // One added to each of the REPS repositories (their full publishes are done): each time another package.
    const one = await median(async (rep) => tool.one(await extraDeb(dir, `python3-syn-extra-${name}-${rep}-${extra++}`), join(dir, `${name}-${rep}`)));
    results[name] = { full, one };
  }
  const ours = results.pkg2os!;
  row(`4. apt publish of ${n} packages vs apt-ftparchive + gpg --clearsign (no pool bookkeeping)`, ours.full, floor, 'report');
  for (const peer of ['aptly', 'reprepro']) {
    if (results[peer]) row(`4. apt publish of ${n} packages vs ${peer} ${versions[peer]}`, ours.full, results[peer]!.full, '< 1.0');
    else row(`4. apt publish of ${n} packages vs ${peer}: ${versions[peer]}`, ours.full, undefined, 'skipped');
  }
  oneAdded.set(n, ours.one.seconds);
  const growth = oneAdded.has(1000) && n > 1000 ? `; ${(ours.one.seconds / oneAdded.get(1000)!).toFixed(2)}× the time at 1,000 for ${n / 1000}× the packages` : '';
  for (const peer of ['aptly', 'reprepro']) {
    if (results[peer]) row(`4. one package added to ${n} vs ${peer}${growth}`, ours.one, results[peer]!.one, '< 1.0');
  }
  row(`4. apt publish, one package added to ${n} (ratio to pkg2os's full publish)`, ours.one, ours.full, '≤ 0.10');
  if (process.env.PKG2OS_BENCH_YUM === 'no') return;
  await benchYum(n, rpms, k, dir);
}

/** yum: the signing cost per rpm against rpmsign with a GnuPG agent (a sample), then the full publish against createrepo_c alone. */
async function benchYum(n: number, rpms: string, k: Keys, dir: string): Promise<void> {
  const all = (await readdir(rpms)).map((f) => join(rpms, f));
  const sample = all.slice(0, Math.min(200, all.length));
  const copy = async (name: string) => {
    const into = join(dir, name);
    await mkdir(into, { recursive: true });
    for (const f of sample) await copyFile(f, join(into, f.split('/').pop()!));
    return into;
  };
  const floorDir = await copy('sign-floor');
  const floor = await measure('bash', ['-c', `rpmsign --addsign --define "__gpg /usr/bin/gpg" --define "_gpg_name ${k.fingerprint}" ${floorDir}/*.rpm >/dev/null 2>&1`], { env: { GNUPGHOME: k.gnupg } });
  const oursDir = await copy('sign-ours');
  const ours = await measure(process.execPath, [shipped('dist', 'bench', 'sign-rpms.js'), join(k.dir, 'key/private.asc'), oursDir]);
  row(`4. yum signing, per rpm (${sample.length} rpms): ${((ours.seconds / sample.length) * 1000).toFixed(1)} ms vs rpmsign with a GnuPG agent ${((floor.seconds / sample.length) * 1000).toFixed(1)} ms`, ours, floor, '≤ 1.0');
  const yumFrom = join(dir, 'yumfrom');
  await mkdir(join(yumFrom, 'rpm'), { recursive: true });
  for (const f of all) await copyFile(f, join(yumFrom, 'rpm', f.split('/').pop()!));
  const yumFloorDir = join(dir, 'yumfloor');
  await mkdir(yumFloorDir);
  for (const f of all) await copyFile(f, join(yumFloorDir, f.split('/').pop()!));
  const createrepo = await measure('createrepo_c', ['--update', '--no-database', '--general-compress-type=xz', '--quiet', yumFloorDir]);
  // The synthetic rpms carry no dist tag: --target says which yum repository they go to.
  const full = await measure(shipped('bin', 'pkg2os'), ['publish', '--repo', join(dir, 'yumrepo'), '--target', 'el9', '--from', yumFrom], { env: { PKG2OS_SIGNING_KEY: join(k.dir, 'key/private.asc') } });
  row(`4. yum publish of ${n} packages (signs every rpm: ${((full.seconds / n) * 1000).toFixed(1)} ms per rpm in all) vs createrepo_c --update alone`, full, createrepo, 'report');
}
