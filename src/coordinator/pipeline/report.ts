/**
 * report.json (`build`/`rebuild --json`) and the plan (`build --dry-run
 * --json`): what was built, from which bytes, what was checked, what failed
 * and why, and what was published. The zod schemas here are the contract;
 * `make schema` publishes them as JSON Schema in schemas/, and a test
 * validates real output against the published files.
 */
import { z } from 'zod';
import { checkSchema } from '../verify/checks.js';
import { PACKAGE_FORMATS } from '../../families/registry.js';
import { REPOSITORY_KINDS } from '../repositories/registry.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const format = z.enum(PACKAGE_FORMATS as [string, ...string[]]);

export const packageFileSchema = z
  .object({
    format,
    name: z.string().describe('distribution package name, e.g. python3-django'),
    version: z.string().describe('distribution version, with revision/release'),
    arch: z.string(),
    sha256,
    size: z.number().int().min(0),
    file: z.string().describe('path relative to the output directory'),
    target: z.string(),
    upstreamVersion: z.string().describe('the PEP 440 version it was built from'),
    release: z.number().int().min(1).describe('Debian revision / RPM release'),
    inputs: sha256.describe('digest of everything that shaped it besides the release (sdist, recipe, templates, dependencies, build environment)'),
  })
  .strict();

export const buildRequirementSchema = z
  .object({
    requirement: z.string(),
    project: z.string(),
    version: z.string(),
    source: z.enum(['distribution', 'index-wheel', 'index-sdist', 'bootstrap']),
    file: z.string().optional(),
    sha256: sha256.optional(),
    checks: z.array(checkSchema).optional(),
    reason: z.string().optional().describe('why this version from there (the policy, what the build root has)'),
    note: z.string().optional(),
  })
  .strict()
  .describe('a build requirement: from the build root\'s distribution, or verified from the index (a wheel, or built from its sdist)');

export const builtBySchema = z
  .object({
    worker: z.string().describe('the name it is pinned under (pkg2os farm trust add NAME)'),
    key: sha256.describe('the sha256 fingerprint of its key, which signed the result'),
    host: z.string().describe('where it ran (host:pid), as it said'),
  })
  .strict();
export type BuiltBy = z.infer<typeof builtBySchema>;

export const packageReportSchema = z
  .object({
    requirement: z.string(),
    project: z.string(),
    version: z.string(),
    target: z.string(),
    requiredBy: z.array(z.string()).describe('the chain of requirements that brought it in'),
    sdist: z.object({ url: z.string(), filename: z.string(), sha256, size: z.number().int().min(0) }).strict(),
    verification: z.object({ result: z.literal('verified'), checks: z.array(checkSchema) }).strict(),
    packages: z.array(packageFileSchema),
    dependencies: z.array(z.string()),
    skippedRequirements: z.array(z.string()),
    byteCompiled: z.record(z.string(), z.boolean()),
    build: z
      .object({
        environment: z.string().describe('digest of the build environment\'s wheels ("distribution" when the build root\'s distribution provided every build requirement)'),
        requirements: z.array(buildRequirementSchema),
      })
      .strict()
      .optional()
      .describe('what the wheel was built with: each build requirement, and where it came from'),
    log: z.string().optional().describe('its build log, relative to the output directory (absent when every file came from the cache)'),
    builtBy: z.array(builtBySchema).optional().describe('the pinned build-farm workers that built its wheel, each signing its result (with --agree N, N of them, byte for byte alike); absent for a local build'),
    recipe: z.object({ file: z.string().nullable(), sha256 }).strict().optional().describe('the recipe it was built with (null file: none but pkg2os\'s defaults) and the digest of its settings'),
  })
  .strict();

export const failureReportSchema = z
  .object({
    project: z.string(),
    version: z.string().optional(),
    target: z.string(),
    requiredBy: z.array(z.string()),
    code: z.string(),
    exitCode: z.number().int(),
    message: z.string(),
    detail: z.string().optional().describe('the failing tool\'s last lines of output'),
    becauseOf: z.string().optional().describe('set when it failed because this dependency did'),
    log: z.string().optional().describe('its build log, relative to the output directory'),
  })
  .strict();

export const providedReportSchema = z
  .object({
    project: z.string(),
    target: z.string(),
    format,
    package: z.string(),
    version: z.string().nullable().describe('the distribution\'s version relied on (null: not known for this target, and no version was asked for)'),
    requiredBy: z.array(z.string()),
  })
  .strict()
  .describe('a dependency the target distribution already ships');

export const publishSummarySchema = z
  .object({
    root: z.string(),
    ...Object.fromEntries(REPOSITORY_KINDS.map((kind) => [kind.name, z.array(kind.summarySchema).optional().describe(`each ${kind.name} repository`)])),
    fingerprint: z.string().regex(/^[0-9A-F]{40}([0-9A-F]{24})?$/),
    snapshot: z.string().optional().describe('the snapshot this publish made of the channel it published to (none when the channel serves what it served)'),
  })
  .strict();

export const buildReportSchema = z
  .object({
    pkg2os: z.string().describe('the pkg2os version'),
    indexUrl: z.string(),
    packages: z.array(packageReportSchema),
    provided: z.array(providedReportSchema),
    failures: z.array(failureReportSchema),
    summary: z
      .object({
        built: z.number().int().min(0),
        reused: z.number().int().min(0).describe('package files reused from the cache'),
        failed: z.number().int().min(0),
        corruptCacheEntries: z.number().int().min(0).describe('cache entries found corrupt, evicted and rebuilt'),
        pagesNotModified: z.number().int().min(0).describe('index pages the index said had not changed (HTTP 304)'),
      })
      .strict(),
    published: publishSummarySchema.optional().describe('set by build --repo and rebuild'),
    environment: z.record(z.string(), z.string()).optional().describe('the build environment: pkg2os\'s version, its templates\' and helpers\' digests, the system Python and the build tools\' versions'),
  })
  .strict();

export const planReportSchema = z
  .object({
    pkg2os: z.string(),
    indexUrl: z.string(),
    plan: z.array(
      z
        .object({
          target: z.string(),
          project: z.string(),
          version: z.string().optional(),
          file: z.string().optional(),
          url: z.string().optional(),
          formats: z.array(format),
          providedBy: z.record(z.string(), z.string()),
          requiredBy: z.array(z.string()),
          dependencies: z.array(z.string()),
        })
        .strict(),
    ),
    failures: z.array(failureReportSchema),
  })
  .strict();

export type PackageFileReport = z.infer<typeof packageFileSchema>;
export type PackageReport = z.infer<typeof packageReportSchema>;
export type FailureReport = z.infer<typeof failureReportSchema>;
export type ProvidedReport = z.infer<typeof providedReportSchema>;
export type BuildReport = z.infer<typeof buildReportSchema>;
export type PlanReport = z.infer<typeof planReportSchema>;

/** The published JSON Schemas (schemas/report.schema.json, schemas/plan.schema.json). */
export function reportJsonSchemas(): Record<'report' | 'plan', object> {
  return {
    report: { title: 'pkg2os report (build/rebuild --json, <out>/report.json)', ...z.toJSONSchema(buildReportSchema) },
    plan: { title: 'pkg2os plan (build --dry-run --json)', ...z.toJSONSchema(planReportSchema) },
  };
}
