import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (the one with package.json), found from this
 * module's location so that it works from `src/` under tsc's `dist/` too.
 */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pkg2os: cannot find the project root above ' + import.meta.url);
    dir = parent;
  }
})();

/** Files shipped with pkg2os (templates, helper scripts), by path relative to the root. */
export function shipped(...parts: string[]): string {
  return join(projectRoot, ...parts);
}
