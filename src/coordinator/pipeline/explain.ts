/**
 * `pkg2os explain`: everything that stands behind a published package, from
 * the repository's own records. What clients are offered is read from the
 * signed indices, each checked with gpgv against the repository's key (apt's
 * InRelease, yum's repomd.xml.asc), and each listed file against the digest
 * its index names; the build record of the file then says what it was built
 * from, what was verified and with which inputs.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { PACKAGE_FORMATS } from '../../families/registry.js';
import { normalizeName } from '../../pep/names.js';
import type { ListedPackage } from '../publish/repository-kind.js';
import { LocalStorage } from '../publish/storage.js';
import { REPOSITORY_KINDS } from '../repositories/registry.js';
import { fingerprintOf, readPublicKeys } from '../verify/openpgp-keys.js';
import { buildRecordSchema, readRecord } from './records.js';

const listedSchema = z
  .object({
    name: z.string(),
    version: z.string().describe('the distribution version as the index lists it'),
    arch: z.string(),
    format: z.enum(PACKAGE_FORMATS as [string, ...string[]]),
    target: z.string(),
    channel: z.string().describe('the channel whose index lists it ("default": the repository\'s original suites and directories)'),
    file: z.string().describe('path relative to the repository root'),
    sha256: z.string().describe('the sha256 the signed index lists, which the file has'),
    index: z.string().describe('the signed file that vouches for the index listing it'),
    signedBy: z.string().describe('the repository key gpgv checked that signature with'),
    note: z.string().optional().describe('what else to know of the file (an rpm is signed by the repository key when published)'),
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
  const storage = new LocalStorage(root);
  const listed: Array<z.infer<typeof listedSchema>> = [];
  const kindOf = new Map<ListedPackage, (typeof REPOSITORY_KINDS)[number]>();
  for (const kind of REPOSITORY_KINDS) {
    for (const item of await kind.listed(storage, keyring)) {
      listed.push({ ...item, signedBy: key });
      kindOf.set(listed[listed.length - 1]!, kind);
    }
  }
  const packages: ExplainReport['packages'] = [];
  for (const item of listed) {
    if (!wanted.has(item.name) || (options.target && item.target !== options.target)) continue;
    const record = (await readRecord(root, item.target, item.file.split('/').pop()!)) ?? null;
    if (options.version && options.version !== item.version && options.version !== record?.file.upstreamVersion) continue;
    const matches = record && record.file.name === item.name && record.file.format === item.format && record.file.target === item.target && (await kindOf.get(item)!.matchesRecord(storage, item, { sha256: record.file.sha256, payloadDigest: record.payloadDigest }));
    packages.push({ listed: item, record: matches ? record : null });
  }
  if (packages.length === 0) {
    throw new ConfigError('USAGE', `The signed indices of ${root} list no package ${[...wanted].join(' or ')}${options.target ? ` for ${options.target}` : ''}${options.version ? ` at version ${options.version}` : ''}.`, {
      hint: listed.length ? `It lists: ${listed.slice(0, 20).map((l) => `${l.name} ${l.version} (${l.target})`).join(', ')}${listed.length > 20 ? ', …' : ''}.` : 'Give the distribution package name (python3-django) or the project name (django).',
    });
  }
  return { query, repository: root, key, packages };
}
