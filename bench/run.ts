/**
 * `make bench`: pkg2os against the floor (the raw tools run by hand), measured
 * in the same run, with peak memory. Appends to bench/RESULTS.md.
 *   1. build overhead: pkg2os build --jobs 1 (both formats) vs bench/floor-build.sh
 *   2. no-op rebuild: a second pkg2os rebuild as a fraction of the cold run
 *   3. parallel speed-up: --jobs 2 vs --jobs 1
 *   4. publish at scale: N synthetic packages, full and one-package change, vs
 *      apt-ftparchive + gpg --clearsign, aptly and reprepro; yum signing per rpm
 *      vs rpmsign with a GnuPG agent, and createrepo_c --update (bench/publish.ts)
 *   5. sandbox start-up; 6. command-line start-up (pkg2os --version vs node -e '')
 *   7. the build farm's overhead: the fixtures through the queue, 1 and 2 local workers (bench/farm.ts)
 *   8. build requirements from the index, cold and with cached environments (bench/build-requirements.ts)
 * Benchmarks 1–3 run on the corpus's real sdists when ../shared/corpus is
 * present, and on six equal-sized fixtures always.
 * Sizes: PKG2OS_BENCH_SIZES (default "1000,10000"; empty: no publishing); PKG2OS_BENCH_BUILD=no skips 1–3, 7 and 8,
 * PKG2OS_BENCH_YUM=no the yum publishes (signing 10,000 rpms takes about ten minutes here),
 * PKG2OS_BENCH_CORPUS=no the corpus builds.
 */
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shipped } from '../src/paths.js';
import { IndexServer } from '../test/support/index-server.js';
import { makeSdist } from '../test/support/sdist-fixtures.js';
import { StaticServer } from '../test/support/static-server.js';
import { CORPUS, corpusManifest, corpusMissing } from '../test/support/corpus.js';
import { type Measure, measure, row, rows } from './measure.js';
import { benchPublish, peerVersions } from './publish.js';
import { benchFarm } from './farm.js';
import { benchBuildRequirements } from './build-requirements.js';

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
  /** The targets of the rebuild (a closure: the corpus has Django's dependencies only for Debian, which ships them). */
  rebuildTargets: string[];
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
  return { keysDir, rebuildTargets: ['debian-12'], label: `the corpus (${corpusManifest().map((e) => `${e.name} ${e.version}`).join(', ')})`, indexUrl: index.url('simple/'), sdistDir, names: corpusManifest().map((e) => e.name.toLowerCase()), stop: () => index.stop() };
}

/** Six small fixture sdists of equal size. */
async function fixtureSet(): Promise<BuildSet> {
  const { server, sdistDir, names } = await fixtures(6);
  return { rebuildTargets: ['debian-12', 'el9'], label: '6 fixture sdists', indexUrl: server.url, sdistDir, names, stop: () => server.stop() };
}

/** Benchmarks 1 (overhead over the floor), 3 (--jobs 2 vs --jobs 1) and 2 (no-op rebuild) on one set. */
async function benchBuild(set: BuildSet): Promise<void> {
  const pkg2os = shipped('bin', 'pkg2os');
  const dir = await mkdtemp(join(tmpdir(), 'pkg2os-bench-'));
  const common = ['build', ...set.names, '--target', 'debian-12,el9', '--host-python', 'el9', '--index-url', set.indexUrl, '--no-deps', '--no-lockfile', '--no-progress', '--maintainer', 'Bench <bench@example.org>', ...(set.keysDir ? ['--keys-dir', set.keysDir] : [])];
  const floor = await measure('bash', [shipped('bench', 'floor-build.sh'), set.sdistDir, join(dir, 'floor')]);
  const one = await measure(pkg2os, [...common, '--out', join(dir, 'j1'), '--jobs', '1', '--no-cache']);
  row(`1. build ${set.label} → deb+rpm, --jobs 1, vs floor script`, one, floor, '≤ 1.10×');
  const two = await measure(pkg2os, [...common, '--out', join(dir, 'j2'), '--jobs', '2', '--no-cache']);
  row(`3. ${set.label}, --jobs 2 (ratio = time(j2)/time(j1); speed-up = 1/ratio)`, two, one, 'speed-up ≥ 1.7×');
  const repo = join(dir, 'repo');
  await mkdir(repo);
  await execa(pkg2os, ['keys', 'generate', '--name', 'Bench', '--email', 'bench@example.org', '--out', join(dir, 'key'), '--type', 'ed25519']);
  await writeFile(join(dir, 'pkg2os.config.yaml'), [`index-url: ${set.indexUrl}`, `requirements: [${set.names.join(', ')}]`, `repo: ${repo}`, `signing-key: ${join(dir, 'key/private.asc')}`, 'maintainer: Bench <bench@example.org>', `targets: [${set.rebuildTargets.join(', ')}]`, 'host-python: [el9]', `cache-dir: ${join(dir, 'cache')}`, ...(set.keysDir ? [`keys-dir: ${set.keysDir}`] : []), ''].join('\n'));
  const cold = await measure(pkg2os, ['rebuild', '--no-progress'], { cwd: dir });
  const warm = await measure(pkg2os, ['rebuild', '--no-progress'], { cwd: dir });
  row(`2. no-op pkg2os rebuild of ${set.label} (${set.rebuildTargets.join(', ')}) vs the cold rebuild`, warm, cold, '≤ 0.03');
}

/** 6. start-up: pkg2os --version (the command line alone) against node doing nothing; best of 10 each. */
async function benchStartup(): Promise<void> {
  const best = async (cmd: string, args: string[]) => {
    let min: Measure | undefined;
    for (let i = 0; i < 10; i++) {
      const m = await measure(cmd, args);
      if (!min || m.seconds < min.seconds) min = m;
    }
    return min!;
  };
  row('6. start-up: pkg2os --version vs node -e \'\'', await best(shipped('bin', 'pkg2os'), ['--version']), await best(process.execPath, ['-e', '']), '≤ 2.0');
}

/** 5. sandbox start-up: one sandboxed /usr/bin/true (prlimit, setpriv, bwrap with all namespaces, the box handed over) vs a plain one. */
async function benchSandbox(): Promise<void> {
  const { runSandboxed, HOST_ROOT } = await import('../src/box/sandbox.js');
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
  // PKG2OS_BENCH_ONLY=build,publish,… runs only those groups (build, farm, requirements, sandbox, startup, publish).
  const only = process.env.PKG2OS_BENCH_ONLY?.split(',');
  const wanted = (group: string) => !only || only.includes(group);
  process.stdout.write('| benchmark | pkg2os (peak RSS) | floor (peak RSS) | ratio | target |\n|---|---|---|---|---|\n');
  if (process.env.PKG2OS_BENCH_BUILD !== 'no' && (wanted('build') || wanted('farm'))) {
    // The corpus's real sdists when present, and the fixtures (equal-sized packages, the fair case for --jobs) always.
    for (const make of [corpusSet, fixtureSet]) {
      const set = await make();
      if (!set) continue;
      try {
        if (wanted('build')) await benchBuild(set);
        if (make === fixtureSet && wanted('farm')) await benchFarm(set);
      } finally {
        await set.stop();
      }
    }
  }
  if (process.env.PKG2OS_BENCH_BUILD !== 'no' && wanted('requirements')) await benchBuildRequirements();
  if (wanted('sandbox')) await benchSandbox();
  if (wanted('startup')) await benchStartup();
  const versions = wanted('publish') ? await peerVersions() : {};
  if (wanted('publish')) for (const n of sizes) await benchPublish(n, versions);
  const peers = Object.entries(versions).map(([name, v]) => `${name} ${v}`).join(', ');
  const header = `\n## ${new Date().toISOString()} on ${hostname()} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}; peers: ${peers})\n\n| benchmark | pkg2os (peak RSS) | floor or peer (peak RSS) | ratio | target |\n|---|---|---|---|---|\n`;
  const file = shipped('bench', 'RESULTS.md');
  const existing = await readFile(file, 'utf8').catch(() => '# Benchmark results\n\nAppended by `make bench` (bench/run.ts). Ratios are pkg2os ÷ floor, measured in the same run.\n');
  await writeFile(file, existing);
  await appendFile(file, header + rows.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exit(1);
});
