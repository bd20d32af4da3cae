/**
 * `pkg2os verify-build`: anyone can check a published package by building it
 * again. The package is found as clients find it (the signed indices, each
 * checked with gpgv: explain.ts), its build record says what it was built
 * from — the upstream file by digest, the target, the release, the build
 * requirements by version — and the rebuild (here, or through the build
 * farm) takes exactly those. The bytes then decide: the same package, or the
 * paths that differ.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { BuildRequest } from '../../config/build-request.js';
import { getTarget } from '../../config/targets.js';
import { familyOf } from '../../families/registry.js';
import { normalizeName } from '../../pep/names.js';
import { buildPackages } from './build-packages.js';
import { explainPackage } from './explain.js';
import type { BuildRecord } from './records.js';
import { rootCause } from './failures.js';

export const rebuildCheckSchema = z
  .object({
    file: z.string().describe('the published file, relative to the repository root'),
    target: z.string(),
    project: z.string(),
    version: z.string(),
    identical: z.boolean(),
    how: z.string().describe('how it was compared, or what differs'),
    differing: z.array(z.string()).describe('the paths that differ'),
    inputs: z.object({ recorded: z.string(), rebuilt: z.string().nullable() }).strict().describe('the digest of the inputs, as recorded and as rebuilt'),
    note: z.string().optional(),
  })
  .strict();
export type RebuildCheck = z.infer<typeof rebuildCheckSchema>;

export const verifyBuildReportSchema = z.object({ repository: z.string(), checks: z.array(rebuildCheckSchema) }).strict();
export type VerifyBuildReport = z.infer<typeof verifyBuildReportSchema>;

/** What a rebuild of `record` takes; the caller fills in everything else a build needs (index, keys, roots, farm). */
export interface RebuildSpec {
  requirement: string;
  target: string;
  format: string;
  release: number;
  maintainer?: string;
  /** The build requirements the index gave, at the versions it gave them. */
  pins: Map<string, string>;
  outDir: string;
}

export function rebuildSpec(record: BuildRecord, maintainer: string | undefined, outDir: string): RebuildSpec {
  const pins = new Map<string, string>();
  for (const r of record.upstream.build?.requirements ?? []) if (r.source === 'index-wheel' || r.source === 'index-sdist') pins.set(normalizeName(r.project), r.version);
  return { requirement: `${record.upstream.project}==${record.upstream.version}`, target: record.file.target, format: record.file.format, release: record.file.release, ...(maintainer ? { maintainer } : {}), pins, outDir };
}

export async function verifyBuilds(root: string, query: string, filter: { target?: string; version?: string }, requestFor: (spec: RebuildSpec) => BuildRequest): Promise<VerifyBuildReport> {
  const found = await explainPackage(root, query, filter);
  const checks: RebuildCheck[] = [];
  for (const { listed, record } of found.packages) {
    const base = { file: listed.file, target: listed.target, project: record?.upstream.project ?? query, version: record?.upstream.version ?? listed.version };
    if (!record) {
      checks.push({ ...base, identical: false, how: 'not rebuilt', differing: [], inputs: { recorded: '', rebuilt: null }, note: 'it was published without a build record (from files with no report.json): nothing says what to build it from' });
      continue;
    }
    const family = familyOf(getTarget(record.file.target));
    const published = join(root, listed.file);
    const work = await mkdtemp(join(tmpdir(), 'pkg2os-verify-build-'));
    try {
      const spec = rebuildSpec(record, await family.maintainerOf(published), join(work, 'out'));
      const { report, failures } = await buildPackages(requestFor(spec));
      if (failures.length) throw rootCause(failures[0]!).error ?? new Error(`${spec.requirement} did not build`);
      const entry = report.packages.find((p) => p.project === record.upstream.project);
      const file = entry?.packages.find((f) => f.name === record.file.name && f.format === record.file.format);
      if (!entry || !file) throw new Error(`the rebuild of ${spec.requirement} made no ${record.file.name}`);
      const comparison = await family.comparePackages(published, join(spec.outDir, file.file), join(work, 'compare'));
      const sameSdist = entry.sdist.sha256 === record.upstream.sdist.sha256;
      checks.push({
        ...base,
        ...comparison,
        identical: comparison.identical && sameSdist,
        inputs: { recorded: record.file.inputs, rebuilt: file.inputs },
        ...(!sameSdist ? { note: `the index now serves other bytes for ${record.upstream.sdist.filename} (sha256 ${entry.sdist.sha256}; recorded ${record.upstream.sdist.sha256})` } : file.inputs !== record.file.inputs ? { note: 'the rebuild\'s inputs differ from the recorded ones (another build root, pkg2os version, templates or recipe): compare the environment of pkg2os explain with this machine\'s' } : {}),
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { repository: root, checks };
}
