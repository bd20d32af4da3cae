/** What a recipe does to an unpacked sdist before it is built: its build dependencies must be there, its patches are applied in order. */
import { dirname, join } from 'node:path';
import type { LoadedRecipe } from '../config/recipes.js';
import { BuildError } from '../errors.js';
import { run } from '../exec.js';
import { missingPackages } from '../host/installed-versions.js';

export async function applyRecipe(recipe: LoadedRecipe, sourceDir: string, logFile: string, label: string): Promise<void> {
  const missing = await missingPackages(recipe['build-depends']?.deb ?? []);
  if (missing.length) {
    throw new BuildError('MISSING_BUILD_BACKEND', `The recipe for ${label} needs ${missing.join(', ')} on the build host, and ${missing.length > 1 ? 'they are' : 'it is'} not installed.`, {
      hint: `apt-get install ${missing.join(' ')}`,
    });
  }
  for (const patch of recipe.patches ?? []) {
    const file = join(dirname(recipe.file ?? '.'), patch);
    await run('patch', ['-p1', '--batch', '--forward', '--no-backup-if-mismatch', '-d', sourceDir, '-i', file], {
      logFile,
      purpose: `applying ${patch} to ${label}`,
      hint: `The patch ${file} does not apply to this version; update the recipe.`,
    });
  }
}
