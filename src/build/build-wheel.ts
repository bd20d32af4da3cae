/**
 * sdist → wheel with the distribution's own Python and build backends:
 * `/usr/bin/python3 -m build --wheel --no-isolation`, in a fresh network
 * namespace (no network at all), with a scrubbed environment so that no
 * secret of the caller reaches upstream code.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError, ToolError } from '../errors.js';
import { run } from '../exec.js';
import { debianPackageFor, parseMissingDependencies } from './backends.js';
import { parseCoreMetadata, parseHeaderFile } from './metadata.js';
import { shipped } from '../paths.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface WheelBuildOptions {
  sourceDir: string;
  outDir: string;
  /** Where the build's output is logged. */
  logFile: string;
  sourceDateEpoch: number;
  /** Extra environment for the build (from a recipe, later). */
  env?: Record<string, string>;
  projectLabel: string;
}

let isolation: Promise<string[]> | undefined;

/** The command prefix that runs a program without network: `unshare --net` as root, with a user namespace otherwise. */
export function networkIsolation(): Promise<string[]> {
  isolation ??= (async () => {
    const prefix = process.getuid?.() === 0 ? ['unshare', '--net', '--'] : ['unshare', '--map-root-user', '--net', '--'];
    try {
      await run(prefix[0]!, [...prefix.slice(1), 'true'], { purpose: 'isolating builds from the network' });
    } catch (error) {
      if (error instanceof ToolError) {
        throw new BuildError('BUILD_FAILED', 'pkg2os cannot run builds without network: `unshare --net` is not permitted here, and untrusted build code must not reach the network.', {
          hint: 'Run pkg2os as root, or enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).',
          cause: error,
        });
      }
      throw error;
    }
    return prefix;
  })();
  return isolation;
}

/** The environment builds run in: nothing inherited but what a build needs. */
export function buildEnvironment(home: string, sourceDateEpoch: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'UTC',
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    PYTHONNOUSERSITE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PIP_NO_INDEX: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    DEB_PYTHON_INSTALL_LAYOUT: 'deb_system',
    ...extra,
  };
}

/** Build the wheel; returns its path. Errors name the missing Debian package where that is the cause. */
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
      extendEnv: false,
      logFile: options.logFile,
      purpose: `${what.toLowerCase()} of ${options.projectLabel}`,
      timeoutMs: 60 * 60 * 1000,
    });
    return result.stdout;
  } catch (error) {
    throw explainBuildFailure(error, options.projectLabel, options.logFile, what);
  }
}

export async function buildWheel(options: WheelBuildOptions): Promise<string> {
  await runUpstreamPython(['-m', 'build', '--wheel', '--no-isolation', '--outdir', options.outDir, options.sourceDir], options, 'Building the wheel');
  const wheels = (await readdir(options.outDir)).filter((f) => f.endsWith('.whl'));
  if (wheels.length !== 1) {
    throw new BuildError('BUILD_FAILED', `Building ${options.projectLabel} produced ${wheels.length} wheels instead of one.`, { hint: `Full log: ${options.logFile}` });
  }
  const wheel = join(options.outDir, wheels[0]!);
  await stat(wheel);
  return wheel;
}

/** Turn a failed build-backend run into the error a user needs: which Debian package is missing, or the build's last words. */
export function explainBuildFailure(error: unknown, projectLabel: string, logFile: string, what: string): unknown {
  if (!(error instanceof ToolError)) return error;
  const missing = parseMissingDependencies(error.stderrTail);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => debianPackageFor(m.split(/[\s<>=!~;[(]/)[0]!)))];
    return new BuildError('MISSING_BUILD_BACKEND', `${projectLabel} needs build requirements that this system's Python lacks: ${missing.join(', ')}. pkg2os builds offline with the distribution's own build backends.`, {
      hint: `Install ${packages.map((p) => `\`${p}\``).join(', ')} (apt-get install ${packages.join(' ')}). If the package is installed but too old for the version required, pin an older release of ${projectLabel}. Full log: ${logFile}`,
      cause: error,
    });
  }
  if (/No module named build\b/.test(error.stderrTail)) {
    return new BuildError('MISSING_BUILD_BACKEND', 'The system Python has no `build` module, which pkg2os uses to build wheels.', {
      hint: 'Install `python3-build` (apt-get install python3-build), or run `make setup`.',
      cause: error,
    });
  }
  return new BuildError('BUILD_FAILED', `${what} of ${projectLabel} failed. The last lines of its output:\n${error.stderrTail}`, {
    hint: `The sdist may need a newer toolchain than this system has, or a recipe with extra build dependencies or patches. Full log: ${logFile}`,
    cause: error,
  });
}

/**
 * The sdist's runtime requirements (Requires-Dist), before any wheel is
 * built: from PKG-INFO when its metadata is 2.2+ and declares them static
 * (PEP 643), else from the build backend's prepare_metadata_for_build_wheel,
 * run offline like a build.
 */
export async function sourceRequirements(options: WheelBuildOptions): Promise<string[]> {
  const pkgInfo = await readFile(join(options.sourceDir, 'PKG-INFO'), 'utf8').catch(() => undefined);
  if (pkgInfo) {
    const { fields } = parseHeaderFile(pkgInfo);
    const version = Number.parseFloat(fields.get('metadata-version')?.[0] ?? '0');
    const dynamic = (fields.get('dynamic') ?? []).map((d) => d.toLowerCase());
    if (version >= 2.2 && !dynamic.includes('requires-dist')) return fields.get('requires-dist') ?? [];
  }
  const stdout = await runUpstreamPython([shipped('src', 'build', 'prepare-metadata.py'), options.sourceDir, options.outDir], options, 'Preparing the metadata');
  const distInfo = stdout.trim().split('\n').pop()!;
  const metadata = parseCoreMetadata(await readFile(join(distInfo, 'METADATA'), 'utf8'), `${options.projectLabel} METADATA`);
  return metadata.requiresDist;
}
