/**
 * What a recipe does to an unpacked sdist before it is built: its patches
 * are applied in order — by `patch` in the build sandbox, since the tree it
 * edits is upstream's. (Its build-depends are installed into the target's
 * root: families/build-roots.ts.)
 */
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LoadedRecipe } from '../config/recipes.js';
import { BuildError, ToolError } from '../errors.js';
import type { WheelBuild } from '../box/build-box.js';

export async function applyRecipe(recipe: LoadedRecipe, build: WheelBuild): Promise<void> {
  const { box } = build;
  for (const [i, patch] of (recipe.patches ?? []).entries()) {
    const file = join(dirname(recipe.file ?? '.'), patch);
    // A copy beside the box, readable by the sandbox's uid wherever the recipe lives.
    const copy = join(`${box.dir}.patches`, `${i}.patch`);
    await mkdir(dirname(copy), { recursive: true, mode: 0o755 });
    await copyFile(file, copy);
    await chmod(copy, 0o644);
    try {
      await box.run(['patch', '-p1', '--batch', '--forward', '--no-backup-if-mismatch', '-i', `/pkg2os/patches/${i}.patch`], `applying ${patch} to ${build.label}`, {
        readOnly: [{ host: copy, inside: `/pkg2os/patches/${i}.patch` }],
        cwd: build.sourceDir,
        env: { LANG: 'C.UTF-8', HOME: '/build/home' },
      });
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      throw new BuildError('BUILD_FAILED', `The patch ${file} does not apply to ${build.label}.`, { detail: error.outputTail, hint: 'Update the recipe\'s patches for this version.', cause: error });
    }
  }
}
