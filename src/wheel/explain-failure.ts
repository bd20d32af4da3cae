/** A failed build-backend run, turned into the error a user needs. */
import { BuildError, ToolError } from '../errors.js';
import { debianPackageFor, parseMissingDependencies } from './backends.js';

/** Which Debian package is missing, or the build's last words. */
export function explainBuildFailure(error: unknown, projectLabel: string, logFile: string, what: string): unknown {
  if (!(error instanceof ToolError)) return error;
  const missing = parseMissingDependencies(error.outputTail);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => debianPackageFor(m.split(/[\s<>=!~;[(]/)[0]!)))];
    return new BuildError('MISSING_BUILD_BACKEND', `${projectLabel} needs build requirements that this system's Python lacks: ${missing.join(', ')}. pkg2os builds offline with the distribution's own build backends.`, {
      hint: `Install ${packages.map((p) => `\`${p}\``).join(', ')} (apt-get install ${packages.join(' ')}). If the package is installed but too old for the version required, pin an older release of ${projectLabel}. Full log: ${logFile}`,
      cause: error,
    });
  }
  if (/No module named build\b/.test(error.outputTail)) {
    return new BuildError('MISSING_BUILD_BACKEND', 'The system Python has no `build` module, which pkg2os uses to build wheels.', {
      hint: 'Install `python3-build` (apt-get install python3-build), or run `make setup`.',
      cause: error,
    });
  }
  return new BuildError('BUILD_FAILED', `${what} of ${projectLabel} failed.`, {
    detail: error.outputTail,
    hint: `The sdist may need a newer toolchain than this system has, or a recipe with extra build dependencies or patches. Full log: ${logFile}`,
    cause: error,
  });
}
