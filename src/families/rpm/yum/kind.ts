/**
 * The yum repository kind: rpms under <root>/rpm/<target>[-<channel>]/, one
 * repository per RPM-family target and channel (Packages/ and repodata/,
 * each rpm signed when it is published); client files
 * pkg2os-<target>[-<channel>].repo.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { RepositoryKind } from '../../../coordinator/publish/repository-kind.js';
import { type StagedPublication } from '../../../coordinator/publish/repo-publisher.js';
import { TARGETS } from '../../../config/targets.js';
import { targetOfRelease } from '../../shared/targets-of.js';
import { channelSuffix, splitChannel } from '../../../coordinator/publish/channels.js';
import { rpmFamily } from '../family.js';
import { queryRpms } from './rpm-query.js';
import { type YumSummary, YumPublisher } from './yum-publisher.js';

const summarySchema = z
  .object({
    target: z.string(),
    channel: z.string().describe('the channel the repository serves ("default": rpm/<target>/)'),
    added: z.array(z.string()),
    packages: z.number().int().min(0).describe('packages the indices list'),
    repomd: z.string(),
    retired: z.array(z.string()).describe('files that left the indices in this publish (older than the newest N versions)'),
    removed: z.array(z.string()).describe('retired files removed after the retention window'),
  })
  .strict()
  .describe('a yum repository (one per RPM-family target)');

const rpmTargets = () => Object.values(TARGETS).filter((t) => t.family === rpmFamily.name).map((t) => t.name);

/** A yum directory's target and channel ("el9-testing": el9, testing), or undefined for one pkg2os did not make. */
function dirParts(dir: string): { target: string; channel: string } | undefined {
  const parts = splitChannel(dir, rpmTargets());
  return parts ? { target: parts.base, channel: parts.channel } : undefined;
}

export const yumKind: RepositoryKind<YumSummary> = {
  name: 'yum',
  dir: 'rpm',
  summarySchema,
  accepts: (file) => file.endsWith('.rpm'),
  exists: async (storage) => (await storage.list('rpm')).some((d) => dirParts(d) !== undefined),

  async prepare(files, context) {
    // Which yum repository each rpm belongs to (its Release's target tag, in the channel published to); every repository the root has is published again too.
    const byDir = new Map<string, { target: string; channel: string; rpms: string[]; exact?: string[] }>();
    const add = (target: string, channel: string) => {
      const dir = `${target}${channelSuffix(channel)}`;
      if (!byDir.has(dir)) byDir.set(dir, { target, channel, rpms: [] });
      return byDir.get(dir)!;
    };
    const headers = await queryRpms(files, 'the rpms to publish');
    files.forEach((rpm, k) => add(targetOfRelease(rpmFamily, headers[k]!.release, rpm, context.defaultTarget).name, context.channel).rpms.push(rpm));
    for (const dir of await context.storage.list('rpm')) {
      const parts = dirParts(dir);
      if (parts) add(parts.target, parts.channel);
    }
    // Promotion, rollback: each repository of the channel lists exactly the listing's rpms (one it leaves empty lists none).
    if (context.exact) {
      const { channel } = context.exact;
      for (const repo of byDir.values()) if (repo.channel === channel) repo.exact = [];
      for (const f of context.exact.files.filter((f) => f.kind === 'yum')) add(f.target, channel).exact = [...(add(f.target, channel).exact ?? []), context.storage.localPath(f.file)];
    }
    const staged: Array<StagedPublication<YumSummary>> = [];
    try {
      for (const [dir, repo] of [...byDir].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const publisher = new YumPublisher(context.settings, context.signer, context.logger, repo.target, repo.channel, dir);
        staged.push(await publisher.prepare(repo.rpms, context.keys, { force: context.force, clock: context.clock }, { ...(repo.exact ? { exact: repo.exact } : {}), keep: (rel) => context.protect?.has(`rpm/${dir}/${rel}`) ?? false }));
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
    for (const dir of await storage.list('rpm')) {
      const parts = dirParts(dir);
      if (!parts || !(await storage.stat(join('rpm', dir, 'repodata')))) continue;
      const suffix = channelSuffix(parts.channel);
      files[`pkg2os-${dir}.repo`] = context.templates.render('repo', 'target.repo', { ...view, target: parts.target, channel: parts.channel, dir, suffix, name: `pkg2os-${dir}` });
    }
    return files;
  },

  describe: (s) => `yum: ${s.packages} package(s) for ${s.target}${s.channel && s.channel !== 'default' ? ` (channel ${s.channel})` : ''}, ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the metadata` : ''}`,

  async listed(storage, keyring, options) {
    const { recordFromSignedMetadata } = await import('./record-from-repomd.js');
    const out = [];
    for (const dir of (await storage.list('rpm')).sort()) {
      const parts = dirParts(dir);
      if (!parts) continue;
      for (const rpm of await recordFromSignedMetadata(storage.localPath(join('rpm', dir)), keyring, options?.hashFiles ?? true)) {
        const version = `${rpm.epoch ? `${rpm.epoch}:` : ''}${rpm.version}-${rpm.release}`;
        out.push({ name: rpm.name, version, arch: rpm.arch, format: rpmFamily.format, target: parts.target, channel: parts.channel, file: join('rpm', dir, rpm.file), sha256: rpm.sha256, index: `rpm/${dir}/repodata/repomd.xml.asc`, note: 'signed by the repository key; the build record matches its payload' });
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
