/**
 * The repository's own record of what stands behind each package file it
 * publishes (`<root>/.pkg2os/records/<target>/<file>.json`):
 * the package file, the upstream file and every verdict on it, the build's
 * inputs (build requirements with their own verdicts, the environment, the
 * recipe), as report.json said when it was built. `pkg2os explain` reads
 * them; publishRepository keeps them when the file is published, before it
 * goes live (publish/records-dir.ts).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { type BuildReport, type PackageReport, packageFileSchema, packageReportSchema } from './report.js';

export const buildRecordSchema = z
  .object({
    recordVersion: z.literal(1),
    recordedAt: z.string().describe('when the file was published'),
    pkg2os: z.string().describe('the pkg2os version that built it'),
    indexUrl: z.string(),
    file: packageFileSchema,
    payloadDigest: z.string().optional().describe('an rpm\'s payload digest: the same in the built file and in the published one, which pkg2os signed'),
    upstream: packageReportSchema.omit({ packages: true }).describe('the upstream file, its verification and the build\'s inputs, as report.json said'),
    environment: z.record(z.string(), z.string()).optional().describe('the build environment: pkg2os\'s version, its templates\' and helpers\' digests, the system Python and the build tools\' versions'),
  })
  .strict();

export type BuildRecord = z.infer<typeof buildRecordSchema>;

import { type RecordText, recordPath } from '../publish/records-dir.js';
import { queryRpms } from '../../families/rpm/yum/rpm-query.js';

/** The records of every package file of a build report, by the file's absolute path. */
export function recordsFromReport(report: BuildReport, outDir: string, now: Date): Map<string, BuildRecord> {
  const records = new Map<string, BuildRecord>();
  for (const entry of report.packages) {
    const { packages, ...upstream } = entry as PackageReport;
    for (const file of packages) {
      records.set(join(outDir, file.file), { recordVersion: 1, recordedAt: now.toISOString(), pkg2os: report.pkg2os, indexUrl: report.indexUrl, file, upstream, ...(report.environment ? { environment: report.environment } : {}) });
    }
  }
  return records;
}

/** The records as publishRepository keeps them: by target and file name, the JSON text. An rpm's record gets its payload digest. */
export async function recordTexts(records: ReadonlyMap<string, BuildRecord>): Promise<RecordText[]> {
  const rpms = [...records.keys()].filter((path) => path.endsWith('.rpm'));
  const headers = rpms.length ? await queryRpms(rpms, 'the built rpms') : [];
  const payloads = new Map(rpms.map((path, k) => [path, headers[k]!.payload]));
  return [...records].map(([path, record]) => {
    const withPayload = payloads.has(path) ? { ...record, payloadDigest: payloads.get(path) } : record;
    return { target: record.file.target, name: basename(path), text: `${JSON.stringify(withPayload, null, 2)}\n` };
  });
}

/** The record of a published package file, or undefined when the repository has none (published without a report). */
export async function readRecord(root: string, target: string, name: string): Promise<BuildRecord | undefined> {
  const path = recordPath(root, target, name);
  const text = path ? await readFile(path, 'utf8').catch(() => undefined) : undefined;
  if (!text) return undefined;
  const parsed = buildRecordSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}
