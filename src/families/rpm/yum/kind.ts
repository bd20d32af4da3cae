/**
 * The yum repository kind: rpms under <root>/rpm/<target>/, one repository
 * per RPM-family target (Packages/ and repodata/, each rpm signed when it is
 * published); client files pkg2os-<target>.repo.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { RepositoryKind } from '../../../coordinator/publish/repository-kind.js';
import { type StagedPublication } from '../../../coordinator/publish/repo-publisher.js';
import { TARGETS } from '../../../config/targets.js';
import { targetOfRelease } from '../../shared/targets-of.js';
import { rpmFamily } from '../family.js';
import { queryRpms } from './rpm-query.js';
import { type YumSummary, YumPublisher } from './yum-publisher.js';

const summarySchema = z
  .object({
    target: z.string(),
    added: z.array(z.string()),
    packages: z.number().int().min(0).describe('packages the indices list'),
    repomd: z.string(),
    retired: z.array(z.string()).describe('files that left the indices in this publish (older than the newest N versions)'),
    removed: z.array(z.string()).describe('retired files removed after the retention window'),
  })
  .strict()
  .describe('a yum repository (one per RPM-family target)');

const isTarget = (name: string) => Object.hasOwn(TARGETS, name) && TARGETS[name]!.family === rpmFamily.name;

export const yumKind: RepositoryKind<YumSummary> = {
  name: 'yum',
  dir: 'rpm',
  summarySchema,
  accepts: (file) => file.endsWith('.rpm'),
  exists: async (storage) => (await storage.list('rpm')).some(isTarget),

  async prepare(files, context) {
    // Which yum repository each rpm belongs to (its Release's target tag); every repository the root has is published again too.
    const byTarget = new Map<string, string[]>();
    const headers = await queryRpms(files, 'the rpms to publish');
    files.forEach((rpm, k) => {
      const target = targetOfRelease(rpmFamily, headers[k]!.release, rpm, context.defaultTarget).name;
      byTarget.set(target, [...(byTarget.get(target) ?? []), rpm]);
    });
    for (const target of await context.storage.list('rpm')) if (isTarget(target) && !byTarget.has(target)) byTarget.set(target, []);
    const staged: Array<StagedPublication<YumSummary>> = [];
    try {
      for (const [target, rpms] of [...byTarget].sort(([a], [b]) => (a < b ? -1 : 1))) {
        staged.push(await new YumPublisher(context.settings, context.signer, context.logger, target).prepare(rpms, context.keys, { force: context.force, clock: context.clock }));
      }
    } catch (error) {
      for (const s of staged) await s.discard();
      throw error;
    }
    return {
      discard: async () => {
        for (const s of staged) await s.discard();
      },
      switchOver: async () => {
        const summaries: YumSummary[] = [];
        for (const s of staged) summaries.push(await s.switchOver());
        return summaries;
      },
    };
  },

  async clientFiles(context, view) {
    const { storage } = context;
    const files: Record<string, string> = {};
    for (const target of await storage.list('rpm')) {
      if (!(await storage.stat(join('rpm', target, 'repodata')))) continue;
      files[`pkg2os-${target}.repo`] = context.templates.render('repo', 'target.repo', { ...view, target });
    }
    return files;
  },

  describe: (s) => `yum: ${s.packages} package(s) for ${s.target}, ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the metadata` : ''}`,

  async listed(storage, keyring) {
    const { recordFromSignedMetadata } = await import('./record-from-repomd.js');
    const out = [];
    for (const target of (await storage.list('rpm')).sort()) {
      for (const rpm of await recordFromSignedMetadata(storage.localPath(join('rpm', target)), keyring)) {
        const version = `${rpm.epoch ? `${rpm.epoch}:` : ''}${rpm.version}-${rpm.release}`;
        out.push({ name: rpm.name, version, arch: rpm.arch, format: rpmFamily.format, target, file: join('rpm', target, rpm.file), sha256: rpm.sha256, index: `rpm/${target}/repodata/repomd.xml.asc`, note: 'signed by the repository key; the build record matches its payload' });
      }
    }
    return out;
  },

  // pkg2os signs an rpm when it publishes it: the record names its payload, which signing leaves as it was.
  async matchesRecord(storage, listed, record) {
    const [header] = await queryRpms([storage.localPath(listed.file)], 'the published rpm');
    return record.payloadDigest !== undefined && header?.payload === record.payloadDigest;
  },
};
