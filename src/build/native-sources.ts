/**
 * A project whose sdist carries C, C++ or Cython code and whose wheel comes
 * out pure lost its extension on the way — usually a missing header, which
 * setup.py swallowed (PyYAML without yaml.h). Such a wheel is refused unless
 * the recipe says the extension is an optional speed-up; the refusal names
 * the headers the build log shows missing.
 */
import { readFile } from 'node:fs/promises';
import { walkTree } from '../fs-walk.js';
import { BuildError } from '../errors.js';

const NATIVE = /\.(c|cc|cpp|cxx|c\+\+|pyx)$/i;
/** Trees whose code is no part of the package. */
const ASIDE = /(^|\/)(tests?|testing|docs?|examples?|benchmarks?|\.git)(\/|$)/i;

/** The native sources of an unpacked sdist (relative paths), outside its tests, documentation and examples. */
export async function nativeSources(sourceDir: string): Promise<string[]> {
  return (await walkTree(sourceDir)).filter(({ path, entry }) => entry.isFile() && NATIVE.test(path) && !ASIDE.test(path)).map(({ path }) => path);
}

/** The headers a build log says were not found ("fatal error: yaml.h: No such file or directory"). */
export async function missingHeaders(logFile: string): Promise<string[]> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return [...new Set([...text.matchAll(/fatal error: ([\w./+-]+\.h(?:pp)?): No such file or directory/g)].map((m) => m[1]!))];
}

export async function refuseLostExtension(label: string, sources: readonly string[], logFile: string): Promise<BuildError> {
  const headers = await missingHeaders(logFile);
  const shown = sources.slice(0, 5).join(', ') + (sources.length > 5 ? `, and ${sources.length - 5} more` : '');
  return new BuildError('EXTENSION_MISSING', `${label} has native sources (${shown}), and its wheel came out pure: its extension was not built${headers.length ? `; the build log shows ${headers.join(', ')} missing` : ''}. A package without it would be slower or lack features, and say nothing.`, {
    hint: headers.length
      ? `Give its recipe the packages that hold ${headers.join(', ')}: build-depends: {deb: [...-dev], rpm: [...-devel]} (they are installed into the target's build root). If the extension is an optional speed-up, say so: optional-extension: true.`
      : 'Read its build log for why the extension was skipped; give its recipe build-depends: {deb: [...], rpm: [...]} for what it needs, or optional-extension: true if it is an optional speed-up.',
  });
}
