/**
 * `make bench`: pkg2os against the floor (the raw tools run by hand), measured
 * in the same run, with peak memory. Appends to bench/RESULTS.md.
 *   1. build overhead: pkg2os build --jobs 1 (both formats) vs bench/floor-build.sh
 *   2. no-op rebuild: a second pkg2os rebuild as a fraction of the cold run
 *   3. parallel speed-up: --jobs 2 vs --jobs 1
 *   4. publish at scale: N synthetic packages, full and one-package change, vs
 *      apt-ftparchive packages+release + gpg --clearsign, and createrepo_c --update
 * Benchmarks 1–3 run on the corpus's real sdists when ../shared/corpus is
 * present, and on six equal-sized fixtures always.
 * Sizes: PKG2OS_BENCH_SIZES (default "1000,10000"); PKG2OS_BENCH_BUILD=no skips 1–3,
 * PKG2OS_BENCH_YUM=no the yum publishes (signing 10,000 rpms takes about ten minutes here),
 * PKG2OS_BENCH_CORPUS=no the corpus builds.
 */
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shipped } from '../src/paths.js';
import { IndexServer } from '../test/support/index-server.js';
import { makeSdist } from '../test/support/sdist-fixtures.js';
import { StaticServer } from '../test/support/static-server.js';
import { CORPUS, corpusManifest, corpusMissing } from '../test/support/corpus.js';

interface Measure {
  seconds: number;
  maxRssMiB: number;
}

/** Wall time and peak RSS of a command, through GNU time. */
async function measure(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measure> {
  const start = process.hrtime.bigint();
  const r = await execa('/usr/bin/time', ['-v', cmd, ...args], { ...options, reject: false, all: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${String(r.all).slice(-3000)}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(String(r.stderr))?.[1] ?? 0);
  return { seconds, maxRssMiB: Math.round(rss / 1024) };
}

const rows: string[] = [];
const row = (name: string, ours: Measure, floor: Measure | undefined, target: string) => {
  const ratio = floor ? ours.seconds / floor.seconds : undefined;
  const line = `| ${name} | ${ours.seconds.toFixed(2)} s (${ours.maxRssMiB} MiB) | ${floor ? `${floor.seconds.toFixed(2)} s (${floor.maxRssMiB} MiB)` : '—'} | ${ratio !== undefined ? ratio.toFixed(3) : '—'} | ${target} |`;
  rows.push(line);
  process.stdout.write(`${line}\n`);
};

async function fixtures(count: number): Promise<{ server: IndexServer; sdistDir: string; names: string[] }> {
  const server = new IndexServer();
  const sdistDir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-sdists-'));
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-pkg-${i}`;
    const sdist = await makeSdist({ name, version: '1.0', files: Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`${name.replace(/-/g, '_')}/mod${j}.py`, `X = ${j}\n`.repeat(50)])) });
    await writeFile(join(sdistDir, sdist.filename), sdist.body);
    server.add(name, sdist);
    names.push(name);
  }
  await server.start();
  return { server, sdistDir, names };
}

/** A set of sdists to build: served on 127.0.0.1, and copied into a directory for the floor script. */
interface BuildSet {
  label: string;
  indexUrl: string;
  sdistDir: string;
  names: string[];
  /** Pinned upstream keys (the corpus signs some sdists). */
  keysDir?: string;
  stop(): Promise<void>;
}

/** The corpus's real sdists (Django, pretend, py, python-yubico) when the corpus is present. */
async function corpusSet(): Promise<BuildSet | undefined> {
  if (corpusMissing || process.env.PKG2OS_BENCH_CORPUS === 'no') return undefined;
  const index = await new StaticServer(join(CORPUS, 'index')).start();
  const sdistDir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-corpus-'));
  for (const e of corpusManifest()) await copyFile(join(CORPUS, 'index', 'files', e.filename), join(sdistDir, e.filename));
  // The corpus's signing keys, pinned as an organization would (pkg2os keys add).
  const keysDir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-keys-'));
  for (const e of corpusManifest().filter((m) => m.signed)) {
    await execa(shipped('bin', 'pkg2os'), ['keys', 'add', e.name, join(CORPUS, 'keys', `${e.name.toLowerCase()}.asc`), '--keys-dir', keysDir]);
  }
  return { keysDir, label: `the corpus (${corpusManifest().map((e) => `${e.name} ${e.version}`).join(', ')})`, indexUrl: index.url('simple/'), sdistDir, names: corpusManifest().map((e) => e.name.toLowerCase()), stop: () => index.stop() };
}

/** Six small fixture sdists of equal size. */
async function fixtureSet(): Promise<BuildSet> {
  const { server, sdistDir, names } = await fixtures(6);
  return { label: '6 fixture sdists', indexUrl: server.url, sdistDir, names, stop: () => server.stop() };
}

/** Benchmarks 1 (overhead over the floor), 3 (--jobs 2 vs --jobs 1) and 2 (no-op rebuild) on one set. */
async function benchBuild(set: BuildSet): Promise<void> {
  const pkg2os = shipped('bin', 'pkg2os');
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-'));
  const common = ['build', ...set.names, '--target', 'debian-12,el9', '--index-url', set.indexUrl, '--no-deps', '--no-lockfile', '--no-progress', '--maintainer', 'Bench <bench@example.org>', ...(set.keysDir ? ['--keys-dir', set.keysDir] : [])];
  const floor = await measure('bash', [shipped('bench', 'floor-build.sh'), set.sdistDir, join(dir, 'floor')]);
  const one = await measure(pkg2os, [...common, '--out', join(dir, 'j1'), '--jobs', '1', '--no-cache']);
  row(`1. build ${set.label} → deb+rpm, --jobs 1, vs floor script`, one, floor, '≤ 1.10×');
  const two = await measure(pkg2os, [...common, '--out', join(dir, 'j2'), '--jobs', '2', '--no-cache']);
  row(`3. ${set.label}, --jobs 2 (ratio = time(j2)/time(j1); speed-up = 1/ratio)`, two, one, 'speed-up ≥ 1.7×');
  const repo = join(dir, 'repo');
  await mkdir(repo);
  await execa(pkg2os, ['keys', 'generate', '--name', 'Bench', '--email', 'bench@example.org', '--out', join(dir, 'key'), '--type', 'ed25519']);
  await writeFile(join(dir, 'pkg2os.config.yaml'), [`index-url: ${set.indexUrl}`, `requirements: [${set.names.join(', ')}]`, `repo: ${repo}`, `signing-key: ${join(dir, 'key/private.asc')}`, 'maintainer: Bench <bench@example.org>', 'targets: [debian-12, el9]', `cache-dir: ${join(dir, 'cache')}`, ...(set.keysDir ? [`keys-dir: ${set.keysDir}`] : []), ''].join('\n'));
  const cold = await measure(pkg2os, ['rebuild', '--no-progress'], { cwd: dir });
  const warm = await measure(pkg2os, ['rebuild', '--no-progress'], { cwd: dir });
  row(`2. no-op pkg2os rebuild of ${set.label} vs the cold rebuild`, warm, cold, '≤ 0.03');
}

/** N tiny .debs and .rpms, generated once and kept in the bench cache directory. */
async function syntheticPackages(n: number): Promise<{ debs: string; rpms: string }> {
  const base = join(process.env.PKG2OS_BENCH_CACHE ?? join(tmpdir(), 'pkg2os-bench-cache'), `synthetic-${n}`);
  const debs = join(base, 'debs');
  const rpms = join(base, 'rpms');
  if ((await readdir(debs).catch(() => [])).length === n && (await readdir(rpms).catch(() => [])).length === n) return { debs, rpms };
  await rm(base, { recursive: true, force: true });
  await mkdir(debs, { recursive: true });
  await mkdir(rpms, { recursive: true });
  // One template of each, then renamed copies with their control/headers rewritten by the tools themselves.
  const script = `
set -e
n=${n}; debs=${debs}; rpms=${rpms}; work=$(mktemp -d)
for i in $(seq 0 $((n-1))); do
  d=$work/d$i; mkdir -p $d/DEBIAN $d/usr/share/doc/python3-syn-$i
  printf 'Package: python3-syn-%s\\nVersion: 1.0-1\\nArchitecture: all\\nMaintainer: Bench <bench@example.org>\\nDescription: synthetic %s\\n' $i $i > $d/DEBIAN/control
  echo $i > $d/usr/share/doc/python3-syn-$i/README
  dpkg-deb --build -Zgzip --root-owner-group $d $debs/python3-syn-\${i}_1.0-1_all.deb >/dev/null
  rm -rf $d
done
mkdir -p $work/top/SPECS
# One spec with n subpackages: one rpmbuild makes them all (n rpmbuild runs would take most of an hour at 10,000).
spec=$work/top/SPECS/s.spec
printf 'Name: python3-syn\\nVersion: 1.0\\nRelease: 1\\nSummary: s\\nLicense: MIT\\nBuildArch: noarch\\n%%description\\ns\\n' > $spec
for i in $(seq 0 $((n-1))); do
  printf '%%package -n python3-syn-%s\\nSummary: s\\n%%description -n python3-syn-%s\\ns\\n%%files -n python3-syn-%s\\n' $i $i $i >> $spec
done
rpmbuild -bb --define "_topdir $work/top" --define "_rpmdir $rpms" --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" $spec >/dev/null 2>&1
rm -f $rpms/python3-syn-1.0-1.noarch.rpm
rm -rf $work`;
  await execa('bash', ['-c', script]);
  return { debs, rpms };
}

async function benchPublish(n: number): Promise<void> {
  const { debs, rpms } = await syntheticPackages(n);
  const dir = await mkdtemp(join(tmpdir(), `pkg2os-bench-publish-${n}-`));
  const pkg2os = shipped('bin', 'pkg2os');
  await execa(pkg2os, ['keys', 'generate', '--name', 'Bench', '--email', 'bench@example.org', '--out', join(dir, 'key')]);
  const env = { PKG2OS_SIGNING_KEY: join(dir, 'key/private.asc') };
  // The floor for apt: apt-ftparchive over the same pool, and gpg --clearsign with the same key.
  const gnupg = join(dir, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  await execa('gpg', ['--batch', '--import', join(dir, 'key/private.asc')], { env: { GNUPGHOME: gnupg } });
  const floorRoot = join(dir, 'floor');
  await mkdir(join(floorRoot, 'pool'), { recursive: true });
  await mkdir(join(floorRoot, 'dists/bookworm/main/binary-amd64'), { recursive: true });
  // Both start from a directory of .debs and end with the same signed repository (Packages and Packages.gz): the floor copies them into its pool too.
  const floorScript = `set -e; cd ${floorRoot}
cp ${debs}/*.deb pool/
apt-ftparchive packages pool > dists/bookworm/main/binary-amd64/Packages
gzip -9 -k -f dists/bookworm/main/binary-amd64/Packages
apt-ftparchive -o APT::FTPArchive::Release::Codename=bookworm release dists/bookworm > Release.tmp && mv Release.tmp dists/bookworm/Release
GNUPGHOME=${gnupg} gpg --batch --yes --clearsign -o dists/bookworm/InRelease dists/bookworm/Release`;
  const aptFloor = await measure('bash', ['-c', floorScript]);
  const repo = join(dir, 'repo');
  // pkg2os publish takes files; a list this long goes through --from.
  const from = join(dir, 'from');
  await mkdir(join(from, 'deb'), { recursive: true });
  for (const f of await readdir(debs)) await copyFile(join(debs, f), join(from, 'deb', f));
  const aptFull = await measure(pkg2os, ['publish', '--repo', repo, '--from', from], { env });
  row(`4. apt publish of ${n} packages vs apt-ftparchive + gpg --clearsign`, aptFull, aptFloor, 'faster than the floor (< 1.0)');
  // One package changed: a new one added.
  const extra = join(dir, 'extra');
  await mkdir(join(extra, 'DEBIAN'), { recursive: true });
  await writeFile(join(extra, 'DEBIAN/control'), 'Package: python3-syn-extra\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Bench <bench@example.org>\nDescription: extra\n');
  await execa('dpkg-deb', ['--build', '--root-owner-group', extra, join(dir, 'extra.deb')]);
  const aptOne = await measure(pkg2os, ['publish', '--repo', repo, join(dir, 'extra.deb')], { env });
  row(`4. apt publish, one package added to ${n} (ratio to the full publish)`, aptOne, aptFull, '≤ 0.10');
  if (process.env.PKG2OS_BENCH_YUM === 'no') return;
  // yum: pkg2os (rpmsign + createrepo_c + signing) vs createrepo_c --update alone.
  const yumFrom = join(dir, 'yumfrom');
  await mkdir(join(yumFrom, 'rpm'), { recursive: true });
  for (const f of await readdir(rpms)) await copyFile(join(rpms, f), join(yumFrom, 'rpm', f));
  const yumFloorDir = join(dir, 'yumfloor');
  await mkdir(yumFloorDir);
  for (const f of await readdir(rpms)) await copyFile(join(rpms, f), join(yumFloorDir, f));
  const yumFloor = await measure('createrepo_c', ['--update', '--no-database', '--general-compress-type=xz', '--quiet', yumFloorDir]);
  // The synthetic rpms carry no dist tag: --target says which yum repository they go to.
  const yumFull = await measure(pkg2os, ['publish', '--repo', join(dir, 'yumrepo'), '--target', 'el9', '--from', yumFrom], { env });
  row(`4. yum publish of ${n} packages (signs every rpm) vs createrepo_c --update alone`, yumFull, yumFloor, 'report');
}

/** 5. sandbox start-up: one sandboxed /usr/bin/true (prlimit, setpriv, bwrap with all namespaces, the box handed over) vs a plain one. */
async function benchSandbox(): Promise<void> {
  const { runSandboxed, HOST_ROOT } = await import('../src/sandbox/sandbox.js');
  const { DEFAULT_BUILD_LIMITS } = await import('../src/config/build-limits.js');
  const box = await mkdtemp(join(tmpdir(), 'pkg2os-bench-box-'));
  const n = 40;
  const time = async (fn: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const plain = await time(() => execa('/usr/bin/true'));
  const boxed = await time(() => runSandboxed({ argv: ['/usr/bin/true'], root: HOST_ROOT, box, cwd: '/build', env: {}, limits: DEFAULT_BUILD_LIMITS.sandbox, purpose: 'bench' }));
  row(`5. sandbox start-up: ${n} × /usr/bin/true in the build sandbox vs plain (per run: ${((boxed / n) * 1000).toFixed(1)} ms vs ${((plain / n) * 1000).toFixed(1)} ms)`, { seconds: boxed, maxRssMiB: 0 }, { seconds: plain, maxRssMiB: 0 }, 'report');
  await rm(box, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const sizes = (process.env.PKG2OS_BENCH_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
  process.stdout.write('| benchmark | pkg2os (peak RSS) | floor (peak RSS) | ratio | target |\n|---|---|---|---|---|\n');
  if (process.env.PKG2OS_BENCH_BUILD !== 'no') {
    // The corpus's real sdists when present, and the fixtures (equal-sized packages, the fair case for --jobs) always.
    for (const make of [corpusSet, fixtureSet]) {
      const set = await make();
      if (!set) continue;
      try {
        await benchBuild(set);
      } finally {
        await set.stop();
      }
    }
  }
  await benchSandbox();
  for (const n of sizes) await benchPublish(n);
  const header = `\n## ${new Date().toISOString()} on ${hostname()} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB)\n\n| benchmark | pkg2os (peak RSS) | floor (peak RSS) | ratio | target |\n|---|---|---|---|---|\n`;
  const file = shipped('bench', 'RESULTS.md');
  const existing = await readFile(file, 'utf8').catch(() => '# Benchmark results\n\nAppended by `make bench` (bench/run.ts). Ratios are pkg2os ÷ floor, measured in the same run.\n');
  await writeFile(file, existing);
  await appendFile(file, header + rows.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exit(1);
});
