/** A failed build-backend run, turned into the error a user needs: the build's last words and where its log is. */
import { BuildError, ToolError } from '../errors.js';

export function explainBuildFailure(error: unknown, projectLabel: string, logFile: string, what: string): unknown {
  if (!(error instanceof ToolError)) return error;
  if (/No module named build\b/.test(error.outputTail)) {
    return new BuildError('MISSING_BUILD_BACKEND', 'The system Python has no `build` module, which pkg2os uses to run build backends.', {
      hint: 'Install `python3-build` (apt-get install python3-build), or run `make setup`.',
      cause: error,
    });
  }
  return new BuildError('BUILD_FAILED', `${what} of ${projectLabel} failed.`, {
    detail: error.outputTail,
    hint: `The sdist may need a recipe with patches or build dependencies, or a fix upstream. Full log: ${logFile}`,
    cause: error,
  });
}
