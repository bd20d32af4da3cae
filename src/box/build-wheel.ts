/**
 * sdist → wheel with the distribution's own Python and build backends:
 * `python3 -m build --wheel --no-isolation` in the build sandbox (no network,
 * no secrets, only its own box writable). Also the sdist's runtime
 * requirements before any wheel exists (PEP 643 static metadata, else
 * prepare_metadata_for_build_wheel, sandboxed the same way).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../errors.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { shipped } from '../paths.js';
import { parseCoreMetadata, parseHeaderFile } from '../pep/core-metadata.js';
import { boxPath, copyOutOfBox, readBoxFile } from './box-files.js';
import type { Bind } from './sandbox.js';
import { buildEnvironment } from './build-environment.js';
import { ENV_INSIDE, SITE_INSIDE, type WheelBuild, envVariables } from './build-box.js';
import { explainBuildFailure } from './explain-failure.js';

/** The largest wheel pkg2os takes out of a build box (the wheel's own limits are checked after). */
const MAX_WHEEL_BYTES = 2 * 1024 ** 3;

/** Run the root's Python on upstream code in the sandbox; a failure becomes the error `explainBuildFailure` makes of it. */
async function runUpstreamPython(build: WheelBuild, args: string[], what: string, readOnly: Bind[] = []): Promise<void> {
  try {
    await build.box.run([SYSTEM_PYTHON, ...args], `${what.toLowerCase()} of ${build.label}`, {
      readOnly: [...readOnly, { host: shipped('src', 'box', 'site'), inside: SITE_INSIDE }, ...(build.envDir ? [{ host: build.envDir, inside: ENV_INSIDE }] : [])],
      cwd: build.sourceDir,
      env: { ...buildEnvironment('/build/home', build.sourceDateEpoch, build.env), ...envVariables(build.envDir !== undefined, build.env?.PYTHONPATH) },
    });
  } catch (error) {
    throw explainBuildFailure(error, build.label, build.box.logFile, what);
  }
}

/** Build the wheel in the sandbox; returns a copy of it outside the box (`outDir`). */
export async function buildWheel(build: WheelBuild, outDir: string): Promise<string> {
  const { box } = build;
  const made = join(box.dir, 'wheel');
  await mkdir(made, { recursive: true });
  // pkg2os checked the build requirements itself (build-requirements.ts): build's own check is skipped.
  await runUpstreamPython(build, ['-m', 'build', '--wheel', '--no-isolation', '--skip-dependency-check', '--outdir', box.inside(made), build.sourceDir], 'Building the wheel');
  const wheels = (await readdir(await boxPath(box.dir, made))).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1) {
    throw new BuildError('BUILD_FAILED', `Building ${build.label} produced ${wheels.length} wheels instead of one.`, { hint: `Full log: ${box.logFile}` });
  }
  // Out of the box: nothing the build left running (none is) or a later sandbox of it can change it now.
  await mkdir(outDir, { recursive: true });
  const wheel = join(outDir, wheels[0]!);
  await copyOutOfBox(box.dir, join(made, wheels[0]!), wheel, MAX_WHEEL_BYTES);
  return wheel;
}

/** What the backend's get_requires_for_build_wheel hook adds to the static build requirements (upstream code: in the sandbox). */
export async function requiresForBuildWheel(build: WheelBuild): Promise<string[]> {
  const { box } = build;
  const out = join(box.dir, 'build-requires.json');
  const helper = shipped('src', 'box', 'helpers', 'build-requires.py');
  await runUpstreamPython(build, ['/pkg2os/build-requires.py', build.sourceDir, box.inside(out)], 'Running the build backend', [{ host: helper, inside: '/pkg2os/build-requires.py' }]);
  const data = JSON.parse((await readBoxFile(box.dir, out, 1024 * 1024)).toString('utf8')) as unknown;
  if (!Array.isArray(data) || !data.every((r) => typeof r === 'string')) throw new BuildError('INVALID_METADATA', `The build backend of ${build.label} returned build requirements that are not a list of strings.`);
  return data as string[];
}

/**
 * The sdist's runtime requirements (Requires-Dist), before any wheel is
 * built: from PKG-INFO when its metadata is 2.2+ and declares them static
 * (PEP 643), else from the build backend's prepare_metadata_for_build_wheel.
 */
export async function sourceRequirements(build: WheelBuild, hostSourceDir: string): Promise<string[]> {
  const { box } = build;
  const pkgInfo = await readFile(join(hostSourceDir, 'PKG-INFO'), 'utf8').catch(() => undefined);
  const fromPkgInfo = pkgInfo === undefined ? undefined : staticRequirements(pkgInfo);
  if (fromPkgInfo) return fromPkgInfo;
  const out = join(box.dir, 'metadata');
  await mkdir(out, { recursive: true });
  const helper = shipped('src', 'box', 'helpers', 'prepare-metadata.py');
  await runUpstreamPython(build, ['/pkg2os/prepare-metadata.py', build.sourceDir, box.inside(out)], 'Preparing the metadata', [{ host: helper, inside: '/pkg2os/prepare-metadata.py' }]);
  const distInfos = (await readdir(await boxPath(box.dir, out))).filter((d) => d.endsWith('.dist-info'));
  if (distInfos.length !== 1) throw new BuildError('INVALID_METADATA', `The build backend of ${build.label} prepared ${distInfos.length} .dist-info directories instead of one.`);
  const text = await readBoxFile(box.dir, join(out, distInfos[0]!, 'METADATA'), 4 * 1024 * 1024).catch((error: unknown) => {
    if (error instanceof BuildError) throw error;
    throw new BuildError('INVALID_METADATA', `The build backend of ${build.label} prepared no METADATA.`);
  });
  return parseCoreMetadata(text.toString('utf8'), `${build.label} METADATA`).requiresDist;
}

/** Requires-Dist from PKG-INFO when it is Metadata 2.2+ and does not declare them dynamic (PEP 643); else undefined. */
export function staticRequirements(pkgInfo: string): string[] | undefined {
  const { fields } = parseHeaderFile(pkgInfo);
  const version = Number.parseFloat(fields.get('metadata-version')?.[0] ?? '0');
  const dynamic = (fields.get('dynamic') ?? []).map((d) => d.toLowerCase());
  return version >= 2.2 && !dynamic.includes('requires-dist') ? (fields.get('requires-dist') ?? []) : undefined;
}
