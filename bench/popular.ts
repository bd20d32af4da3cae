/**
 * How many of today's popular projects pkg2os builds, per target: sdists
 * made from their release tags (bench/make-popular-sdists.py; never
 * committed), served with the build backends' own sdists on an index on
 * 127.0.0.1, built with --no-deps, each project counted built or failed
 * (with its error code); then the closures of requests, httpx and rich.
 * Compare two pkg2os checkouts by running it with each.
 *
 *   node dist/bench/popular.js SDIST_DIR PKG2OS_BIN OUT_JSON [--target T]... [--config FILE]
 */
import { readdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { IndexServer } from '../test/support/index-server.js';

const [sdistDir, bin, outJson, ...rest] = process.argv.slice(2);
const targets: string[] = [];
let config: string | undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--target') targets.push(rest[++i]!);
  else if (rest[i] === '--config') config = rest[++i];
}
if (!sdistDir || !bin || !outJson || targets.length === 0) {
  console.error('usage: popular.js SDIST_DIR PKG2OS_BIN OUT_JSON --target T [--target T] [--config FILE]');
  process.exit(2);
}

const index = new IndexServer();
const projects: string[] = [];
for (const project of (await readdir(sdistDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  for (const file of await readdir(join(sdistDir, project))) index.add(project, { filename: file, body: await readFile(join(sdistDir, project, file)) });
  projects.push(project);
}
await index.start();

interface Outcome {
  built: string[];
  failed: Array<{ project: string; code: string; message: string }>;
  seconds: number;
}

async function run(requirements: string[], target: string, noDeps: boolean, cache: string): Promise<Outcome> {
  const work = await mkdtemp(join(tmpdir(), 'pkg2os-popular-'));
  const started = Date.now();
  const result = await execa(bin!, ['build', ...requirements, '--target', target, '--index-url', index.url, '--out', join(work, 'out'), '--no-lockfile', '--json', '--no-progress', '--cache-dir', cache, '--maintainer', 'Bench <bench@example.org>', ...(noDeps ? ['--no-deps'] : []), ...(config ? ['--config', config] : [])], { reject: false, cwd: work, env: { PKG2OS_KEYS_DIR: join(work, 'keys') } });
  const seconds = (Date.now() - started) / 1000;
  let report: { packages?: Array<{ project: string }>; failures?: Array<{ project: string; code: string; message: string }> } = {};
  try {
    report = JSON.parse(result.stdout);
  } catch {
    return { built: [], failed: requirements.map((project) => ({ project, code: `exit ${result.exitCode}`, message: result.stderr.split('\n').filter((l) => /error:/.test(l)).slice(-1)[0] ?? '' })), seconds };
  }
  return { built: [...new Set((report.packages ?? []).map((p) => p.project))], failed: (report.failures ?? []).map((f) => ({ project: f.project, code: f.code, message: f.message.slice(0, 300) })), seconds };
}

const results: Record<string, unknown> = { projects };
for (const target of targets) {
  const cache = await mkdtemp(join(tmpdir(), 'pkg2os-popular-cache-'));
  const each = await run(projects, target, true, cache);
  const closures: Record<string, Outcome> = {};
  for (const root of ['requests', 'httpx', 'rich']) closures[root] = await run([root], target, false, cache);
  results[target] = { each, closures };
  console.error(`${target}: ${each.built.length}/${projects.length} built (${Math.round(each.seconds)} s); closures: ${Object.entries(closures).map(([r, o]) => `${r} ${o.failed.length === 0 && o.built.length > 0 ? 'whole' : `${o.failed.length} failed`}`).join(', ')}`);
  await writeFile(outJson!, `${JSON.stringify(results, null, 1)}\n`);
}
await index.stop();
