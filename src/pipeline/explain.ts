/**
 * `pkg2os explain`: everything that stands behind a published package, from
 * the repository's own records. What clients are offered is read from the
 * signed indices, each checked with gpgv against the repository's key (apt's
 * InRelease, yum's repomd.xml.asc), and each listed file against the digest
 * its index names; the build record of the file then says what it was built
 * from, what was verified and with which inputs.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TARGETS } from '../config/targets.js';
import { ConfigError } from '../errors.js';
import { normalizeName } from '../pep/names.js';
import { recordFromSignedIndices } from '../publish/apt/record-from-release.js';
import { recordFromSignedMetadata } from '../publish/yum/record-from-repomd.js';
import { queryRpms } from '../publish/yum/rpm-query.js';
import { fingerprintOf, readPublicKeys } from '../verify/openpgp-keys.js';
import { type BuildRecord, buildRecordSchema, readRecord } from './records.js';

const listedSchema = z
  .object({
    name: z.string(),
    version: z.string().describe('the distribution version as the index lists it'),
    arch: z.string(),
    format: z.enum(['deb', 'rpm']),
    target: z.string(),
    file: z.string().describe('path relative to the repository root'),
    sha256: z.string().describe('the sha256 the signed index lists, which the file has'),
    index: z.string().describe('the signed file that vouches for the index listing it'),
    signedBy: z.string().describe('the repository key gpgv checked that signature with'),
  })
  .strict();

export const explainReportSchema = z
  .object({
    query: z.string(),
    repository: z.string(),
    key: z.string(),
    packages: z.array(z.object({ listed: listedSchema, record: buildRecordSchema.nullable().describe('null: published without a build record (e.g. from files with no report.json)') }).strict()),
  })
  .strict();

export type ExplainReport = z.infer<typeof explainReportSchema>;

/** The published JSON Schema (schemas/explain.schema.json). */
export function explainJsonSchema(): object {
  return { title: 'pkg2os explain --json', ...z.toJSONSchema(explainReportSchema) };
}

export interface ExplainOptions {
  target?: string;
  /** The upstream version, or the distribution version. */
  version?: string;
}

export async function explainPackage(root: string, query: string, options: ExplainOptions = {}): Promise<ExplainReport> {
  const keyring = join(root, 'KEY.gpg');
  const armored = await readFile(join(root, 'KEY.asc')).catch(() => undefined);
  if (!armored || !(await stat(keyring).catch(() => undefined))) {
    throw new ConfigError('USAGE', `${root} is not a repository pkg2os published (it has no KEY.asc and KEY.gpg).`, { hint: 'Give the repository root with --repo (or repo: in pkg2os.config.yaml).' });
  }
  const key = fingerprintOf((await readPublicKeys(armored, join(root, 'KEY.asc')))[0]!);
  let wanted: Set<string>;
  try {
    wanted = new Set([query, `python3-${normalizeName(query)}`]);
  } catch {
    wanted = new Set([query]);
  }
  const suites = new Map(Object.values(TARGETS).filter((t) => t.codename).map((t) => [t.codename!, t.name]));
  const listed: Array<z.infer<typeof listedSchema>> = [];
  for (const entry of await recordFromSignedIndices(join(root, 'deb'), keyring)) {
    for (const suite of entry.suites) {
      listed.push({ name: entry.pkg, version: entry.version, arch: entry.arch, format: 'deb', target: suites.get(suite) ?? suite, file: `deb/${entry.filename}`, sha256: entry.sha256, index: `deb/dists/${suite}/InRelease`, signedBy: key });
    }
  }
  for (const target of (await readdir(join(root, 'rpm')).catch(() => [] as string[])).sort()) {
    for (const rpm of await recordFromSignedMetadata(join(root, 'rpm', target), keyring)) {
      const version = `${rpm.epoch ? `${rpm.epoch}:` : ''}${rpm.version}-${rpm.release}`;
      listed.push({ name: rpm.name, version, arch: rpm.arch, format: 'rpm', target, file: `rpm/${target}/${rpm.file}`, sha256: rpm.sha256, index: `rpm/${target}/repodata/repomd.xml.asc`, signedBy: key });
    }
  }
  const packages: ExplainReport['packages'] = [];
  for (const item of listed) {
    if (!wanted.has(item.name) || (options.target && item.target !== options.target)) continue;
    const record = (await readRecord(root, item.target, item.file.split('/').pop()!)) ?? null;
    if (options.version && options.version !== item.version && options.version !== record?.file.upstreamVersion) continue;
    packages.push({ listed: item, record: record && (await consistent(root, item, record)) ? record : null });
  }
  if (packages.length === 0) {
    throw new ConfigError('USAGE', `The signed indices of ${root} list no package ${[...wanted].join(' or ')}${options.target ? ` for ${options.target}` : ''}${options.version ? ` at version ${options.version}` : ''}.`, {
      hint: listed.length ? `It lists: ${listed.slice(0, 20).map((l) => `${l.name} ${l.version} (${l.target})`).join(', ')}${listed.length > 20 ? ', …' : ''}.` : 'Give the distribution package name (python3-django) or the project name (django).',
    });
  }
  return { query, repository: root, key, packages };
}

/**
 * A record stands for a listed file only if it names the same package and
 * the same bytes: for a .deb the file's sha256, for an rpm (which pkg2os
 * signed when publishing it) the payload digest.
 */
async function consistent(root: string, item: z.infer<typeof listedSchema>, record: BuildRecord): Promise<boolean> {
  if (record.file.name !== item.name || record.file.format !== item.format || record.file.target !== item.target) return false;
  if (item.format === 'deb') return record.file.sha256 === item.sha256;
  const [header] = await queryRpms([join(root, item.file)], 'the published rpm');
  return record.payloadDigest !== undefined && header?.payload === record.payloadDigest;
}
