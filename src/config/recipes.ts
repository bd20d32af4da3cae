/**
 * Recipes: `recipes/<project>.yaml`, what upstream metadata gets wrong for one
 * project. Strict schema (unknown keys are errors naming the file and key).
 * The schema is published as JSON Schema in recipes/recipe.schema.json.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { shipped } from '../paths.js';

export const SIGNATURE_POLICIES = ['required', 'if-available', 'ignore'] as const;
export type SignaturePolicy = (typeof SIGNATURE_POLICIES)[number];
/** PEP 740 provenance has the same three policies. */
export type ProvenancePolicy = SignaturePolicy;

const FINGERPRINT = /^(0x)?[0-9A-Fa-f ]{40,79}$/;

const perFormat = <T extends z.ZodType>(item: T) => z.object({ deb: item.optional(), rpm: item.optional() }).strict();
const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'expected a distribution package name like python3-six');

const recipeBaseSchema = z
  .object({
    name: z
      .union([packageName, perFormat(packageName)])
      .optional()
      .describe('distribution package name to use instead of python3-<project>: one name, or one per format ({deb: python3-yaml})'),
    'provided-by': z
      .union([packageName, perFormat(packageName)])
      .optional()
      .describe('the target distribution already ships this project: depend on that package instead of building it'),
    dependencies: z
      .object({
        drop: z.array(z.string()).optional().describe('runtime dependencies (project names) to leave out'),
        deb: z.array(z.string()).optional().describe('extra Debian relations for Depends, e.g. "libfoo1 (>= 2)"'),
        rpm: z.array(z.string()).optional().describe('extra RPM Requires, e.g. "libfoo >= 2"'),
      })
      .strict()
      .optional(),
    'build-depends': perFormat(z.array(packageName))
      .optional()
      .describe('distribution packages the build needs in the target\'s root (C headers, tools): deb for the Debian family, rpm for the RPM family; pkg2os makes a root with them (cached), never touching the host'),
    'build-requirements': z.enum(['newest', 'distribution-first']).optional().describe('how this project\'s build requirements are chosen (default: the configuration\'s, else newest)'),
    'optional-extension': z.boolean().optional().describe('the project\'s C, C++ or Cython code is an optional speed-up: a wheel built without it is accepted (else a pure wheel from such sources is refused)'),
    patches: z.array(z.string().regex(/^[^/].*\.(patch|diff)$/, 'expected a .patch file relative to the recipe')).optional().describe('applied with patch -p1 before the build, in order'),
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected an environment variable name'), z.string()).optional().describe('environment variables for the build'),
    signature: z.enum(SIGNATURE_POLICIES).optional().describe('upstream-signature policy for this project'),
    'upstream-keys': z.array(z.string().regex(FINGERPRINT, 'expected a full OpenPGP fingerprint (40 or 64 hex digits)')).optional().describe('fingerprints of the keys trusted to sign releases'),
    provenance: z.enum(SIGNATURE_POLICIES).optional().describe('PEP 740 provenance policy for this project'),
    'trusted-publishers': z.array(z.string().regex(/^(github|gitlab):[^\s:]+:[^\s]+\.ya?ml$|^google:[^@\s]+@[^@\s]+$/, 'expected github:OWNER/REPO:WORKFLOW.yml, gitlab:NAMESPACE/PROJECT:PATH.yml or google:EMAIL')).optional().describe('the Trusted Publishers whose PEP 740 attestations are trusted for this project'),
    'build-timeout': z.string().regex(/^\d+[smhdwy]$/, 'expected a duration such as 45m').optional().describe('wall-clock limit for each sandboxed build step of this project (default: the config\'s build-timeout, else 20m)'),
    'allow-files': z.array(z.string().regex(/^\//, 'expected an absolute path or glob, e.g. /usr/share/jupyter/**')).optional().describe('paths (globs) the package may install although pkg2os refuses them by default: .pth files, data outside /usr/share/<project>, …'),
    'allow-epoch': z.boolean().optional().describe('package a version with a PEP 440 epoch (it becomes a Debian/RPM epoch, above every version without one)'),
    'replaces-distribution-package': z.boolean().optional().describe('build under a package name the distribution uses for another upstream project (python3-apt, python3-gi, …)'),
  })
  .strict();

/** What a recipe may say differently for one distribution family: what shapes that family's package, never the wheel (one wheel serves every family). */
const FAMILY_KEYS = ['name', 'provided-by', 'dependencies', 'allow-files', 'allow-epoch', 'replaces-distribution-package'] as const;

export const recipeSchema = recipeBaseSchema
  .extend({
    overrides: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a distribution family such as debian or rpm'), recipeBaseSchema.pick(Object.fromEntries(FAMILY_KEYS.map((k) => [k, true])) as { [K in (typeof FAMILY_KEYS)[number]]: true }).strict())
      .optional()
      .describe('per distribution family (debian, rpm): values that replace the recipe\'s own for that family\'s packages, as nfpm\'s overrides do'),
  })
  .strict();

/** The recipe schema as JSON Schema (published as recipes/recipe.schema.json). */
export function recipeJsonSchema(): object {
  return { title: 'pkg2os recipe (recipes/<project>.yaml)', ...z.toJSONSchema(recipeSchema) };
}

/** The name a recipe gives the project's own package in `format` (`name:`), if any. */
export function recipeName(recipe: Recipe | undefined, format: string): string | undefined {
  return perFormatValue<string>(recipe?.name, format);
}

/** A recipe value given once for every format, or per format ({deb: …, rpm: …}): the one for `format`. */
function perFormatValue<T>(value: T | Partial<Record<string, T>> | undefined, format: string): T | undefined {
  if (value === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return value as T | undefined;
  return Object.hasOwn(value, format) ? (value as Partial<Record<string, T>>)[format] : undefined;
}

/** The packages a recipe has installed into a root of `format` for its build (build-depends). */
export function buildDependsFor(recipe: Recipe | undefined, format: string): string[] {
  return perFormatValue<string[]>(recipe?.['build-depends'], format) ?? [];
}

/** The distribution package a project maps to in `format`, per its recipe (provided-by, name), else python3-<project>. */
export function packageNameFor(project: string, recipe: Recipe | undefined, format: string): string {
  return perFormatValue<string>(recipe?.['provided-by'], format) ?? recipeName(recipe, format) ?? `python3-${project}`;
}

/** True when the target distribution ships the project: pkg2os does not build it. */
export function isProvided(recipe: Recipe | undefined, format?: string): boolean {
  const provided = recipe?.['provided-by'];
  if (!provided) return false;
  return format === undefined || perFormatValue(provided, format) !== undefined;
}

/** Relations the recipe adds verbatim to the package of `format` (dependencies: {deb: […], rpm: […]}). */
export function extraRelations(recipe: Recipe | undefined, format: string): string[] {
  return perFormatValue<string[]>(recipe?.dependencies as Partial<Record<string, string[]>> | undefined, format) ?? [];
}

export type Recipe = z.infer<typeof recipeSchema>;

/** Format zod issues as "key: problem" phrases. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
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
export type LoadedRecipe = Recipe & { file?: string };

/** The recipe as it applies to one distribution family's packages: its `overrides:` for the family replace its own values. */
export function recipeForFamily(recipe: LoadedRecipe, family: string): LoadedRecipe {
  const override = recipe.overrides && Object.hasOwn(recipe.overrides, family) ? recipe.overrides[family] : undefined;
  return override ? { ...recipe, ...override } : recipe;
}

export async function loadRecipe(project: string, dirs: readonly string[]): Promise<LoadedRecipe> {
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
