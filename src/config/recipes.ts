/**
 * Recipes: `recipes/<project>.yaml`, what upstream metadata gets wrong for one
 * project. Strict schema (unknown keys are errors naming the file and key).
 * This issue's part: the signature policy and pinned upstream key fingerprints.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { shipped } from '../paths.js';

export const SIGNATURE_POLICIES = ['required', 'if-available', 'ignore'] as const;
export type SignaturePolicy = (typeof SIGNATURE_POLICIES)[number];

const FINGERPRINT = /^(0x)?[0-9A-Fa-f ]{40,79}$/;

export const recipeSchema = z
  .object({
    signature: z.enum(SIGNATURE_POLICIES).optional(),
    'upstream-keys': z.array(z.string().regex(FINGERPRINT, 'expected a full OpenPGP fingerprint (40 or 64 hex digits)')).optional(),
  })
  .strict();

export type Recipe = z.infer<typeof recipeSchema>;

/** Format zod issues as "key: problem" phrases. */
export function describeIssues(issues: z.ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      return `"${issue.path.join('.') || '(top level)'}": ${issue.message}`;
    })
    .join('; ');
}

/** Where recipes are looked up, first match wins: the user's directories, then pkg2os's own. */
export function recipeDirs(extra: readonly string[] = []): string[] {
  return [...extra, shipped('recipes')];
}

/** The recipe of a project (normalized name), or an empty one. */
export async function loadRecipe(project: string, dirs: readonly string[]): Promise<Recipe & { file?: string }> {
  for (const dir of dirs) {
    const file = join(dir, `${project}.yaml`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError('INVALID_CONFIG', `Cannot read the recipe ${file}: ${(error as Error).message}.`, { cause: error });
    }
    let data: unknown;
    try {
      data = parseYaml(text) ?? {};
    } catch (error) {
      throw new ConfigError('INVALID_CONFIG', `The recipe ${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
    }
    const parsed = recipeSchema.safeParse(data);
    if (!parsed.success) {
      throw new ConfigError('INVALID_CONFIG', `The recipe ${file} is not valid: ${describeIssues(parsed.error.issues)}.`, {
        hint: 'See recipes/README.md for the recipe keys.',
      });
    }
    return { ...parsed.data, file };
  }
  return {};
}
