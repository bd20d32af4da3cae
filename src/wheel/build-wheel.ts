/**
 * sdist → wheel with the distribution's own Python and build backends:
 * `/usr/bin/python3 -m build --wheel --no-isolation`, with no network and a
 * scrubbed environment, so that no secret of the caller reaches upstream code.
 * Also the sdist's runtime requirements before any wheel exists (PEP 643
 * static metadata, else prepare_metadata_for_build_wheel).
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../errors.js';
import { run } from '../exec.js';
import { buildEnvironment } from '../host/build-environment.js';
import { networkIsolation } from '../host/network-isolation.js';
import { SYSTEM_PYTHON } from '../host/system-python.js';
import { shipped } from '../paths.js';
import { parseCoreMetadata, parseHeaderFile } from '../pep/core-metadata.js';
import { explainBuildFailure } from './explain-failure.js';

export interface WheelBuildOptions {
  sourceDir: string;
  outDir: string;
  /** Where the build's output is logged. */
  logFile: string;
  sourceDateEpoch: number;
  /** Extra environment for the build (from a recipe). */
  env?: Record<string, string>;
  projectLabel: string;
}

/**
 * Run the system Python on upstream code: in its own network namespace, with
 * the scrubbed build environment, its output in the package's log; a failure
 * becomes the error `explainBuildFailure` makes of it.
 */
async function runUpstreamPython(args: string[], options: WheelBuildOptions, what: string): Promise<string> {
  const prefix = await networkIsolation();
  const home = join(options.outDir, '..', 'home');
  await mkdir(home, { recursive: true });
  await mkdir(options.outDir, { recursive: true });
  try {
    const result = await run(prefix[0]!, [...prefix.slice(1), SYSTEM_PYTHON, ...args], {
      cwd: options.sourceDir,
      env: buildEnvironment(home, options.sourceDateEpoch, options.env),
      cleanEnv: true,
      logFile: options.logFile,
      purpose: `${what.toLowerCase()} of ${options.projectLabel}`,
      timeoutMs: 60 * 60 * 1000,
    });
    return result.stdout;
  } catch (error) {
    throw explainBuildFailure(error, options.projectLabel, options.logFile, what);
  }
}

/** Build the wheel; returns its path. */
export async function buildWheel(options: WheelBuildOptions): Promise<string> {
  await runUpstreamPython(['-m', 'build', '--wheel', '--no-isolation', '--outdir', options.outDir, options.sourceDir], options, 'Building the wheel');
  const wheels = (await readdir(options.outDir)).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1) {
    throw new BuildError('BUILD_FAILED', `Building ${options.projectLabel} produced ${wheels.length} wheels instead of one.`, { hint: `Full log: ${options.logFile}` });
  }
  return join(options.outDir, wheels[0]!);
}

/**
 * The sdist's runtime requirements (Requires-Dist), before any wheel is
 * built: from PKG-INFO when its metadata is 2.2+ and declares them static
 * (PEP 643), else from the build backend's prepare_metadata_for_build_wheel,
 * run offline like a build.
 */
export async function sourceRequirements(options: WheelBuildOptions): Promise<string[]> {
  const pkgInfo = await readFile(join(options.sourceDir, 'PKG-INFO'), 'utf8').catch(() => undefined);
  const fromPkgInfo = pkgInfo === undefined ? undefined : staticRequirements(pkgInfo);
  if (fromPkgInfo) return fromPkgInfo;
  const stdout = await runUpstreamPython([shipped('src', 'wheel', 'prepare-metadata.py'), options.sourceDir, options.outDir], options, 'Preparing the metadata');
  const distInfo = stdout.trim().split('\n').pop()!;
  return parseCoreMetadata(await readFile(join(distInfo, 'METADATA'), 'utf8'), `${options.projectLabel} METADATA`).requiresDist;
}

/** Requires-Dist from PKG-INFO when it is Metadata 2.2+ and does not declare them dynamic (PEP 643); else undefined. */
export function staticRequirements(pkgInfo: string): string[] | undefined {
  const { fields } = parseHeaderFile(pkgInfo);
  const version = Number.parseFloat(fields.get('metadata-version')?.[0] ?? '0');
  const dynamic = (fields.get('dynamic') ?? []).map((d) => d.toLowerCase());
  return version >= 2.2 && !dynamic.includes('requires-dist') ? (fields.get('requires-dist') ?? []) : undefined;
}
