/**
 * The apt repository kind: .debs under <root>/deb, one suite per
 * Debian-family target and channel (its codename, "-<channel>" for a channel
 * other than the default) sharing one pool; client files
 * pkg2os-<target>[-<channel>].sources and .pref per suite.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { NamedRepoSettings } from '../../../coordinator/publish/repo.types.js';
import type { RepositoryKind } from '../../../coordinator/publish/repository-kind.js';
import { TARGETS } from '../../../config/targets.js';
import { targetOfRelease } from '../../shared/targets-of.js';
import { channelSuffix, splitChannel } from '../../../coordinator/publish/channels.js';
import { debianFamily } from '../family.js';
import { debianArch } from '../packager.js';
import { AptPublisher } from './apt-publisher.js';
import { type DebFacts, readDebs } from './read-controls.js';
import type { AptSuiteSummary } from './suite.js';

const summarySchema = z
  .object({
    suite: z.string(),
    target: z.string(),
    channel: z.string().describe('the channel the suite serves ("default": the suite named after the codename alone)'),
    added: z.array(z.string()),
    packages: z.number().int().min(0).describe('packages the indices list'),
    release: z.string(),
    retired: z.array(z.string()).describe('files that left the indices in this publish (older than the newest N versions)'),
    removed: z.array(z.string()).describe('retired files removed after the retention window'),
  })
  .strict()
  .describe('an apt suite (one per Debian-family target)');

/** Codename → target, with the codenames the settings give (and every target's own). */
function codenameTargets(settings?: Pick<NamedRepoSettings, 'codenames'>): Map<string, string> {
  const out = new Map(Object.values(TARGETS).filter((t) => t.codename).map((t) => [t.codename!, t.name]));
  for (const [target, codename] of Object.entries(settings?.codenames ?? {})) out.set(codename, target);
  return out;
}

/** A suite's target and channel ("bookworm-testing": debian-12, testing), or undefined for a suite pkg2os did not name. */
function suiteParts(suite: string, settings?: Pick<NamedRepoSettings, 'codenames'>): { target: string; channel: string } | undefined {
  const codenames = codenameTargets(settings);
  const parts = splitChannel(suite, [...codenames.keys()]);
  return parts ? { target: codenames.get(parts.base)!, channel: parts.channel } : undefined;
}

/** The suite of a target in a channel. */
function suiteFor(settings: Pick<NamedRepoSettings, 'codenames'>, target: string, channel: string): string {
  return `${settings.codenames[target] ?? TARGETS[target]?.codename ?? target}${channelSuffix(channel)}`;
}

export const aptKind: RepositoryKind<AptSuiteSummary> = {
  name: 'apt',
  dir: 'deb',
  summarySchema,
  accepts: (file) => file.endsWith('.deb'),
  readEarly: (files) => readDebs(files),
  exists: async (storage) => Boolean(await storage.stat('deb/dists')),

  async prepare(files, context, early) {
    const { settings } = context;
    const suiteOf = (version: string, deb: string) => {
      const target = targetOfRelease(debianFamily, version.replace(/^.*-/, ''), deb, context.defaultTarget);
      return suiteFor(settings, target.name, context.channel);
    };
    // Promotion, rollback: the exact pool files each suite of the channel lists (a suite of it the listing leaves empty lists none).
    let exact: Map<string, Set<string>> | undefined;
    if (context.exact) {
      const { channel } = context.exact;
      exact = new Map();
      for (const suite of await context.storage.list('deb/dists')) if (suiteParts(suite, settings)?.channel === channel) exact.set(suite, new Set());
      for (const f of context.exact.files.filter((f) => f.kind === 'apt')) {
        const suite = suiteFor(settings, f.target, channel);
        exact.set(suite, (exact.get(suite) ?? new Set()).add(f.file.replace(/^deb\//, '')));
      }
    }
    const named = { ...settings, architectures: settings.architectures.length ? settings.architectures : [debianArch()] };
    const publisher = new AptPublisher(named, context.signer, context.logger, suiteOf, (suite) => suiteParts(suite, settings) ?? { target: suite, channel: context.channel }, early as Promise<ReadonlyMap<string, DebFacts>> | undefined);
    return publisher.prepare(files, context.keys, { force: context.force, clock: context.clock }, { exact, keep: (rel) => context.protect?.has(`deb/${rel}`) ?? false });
  },

  async clientFiles(context, view) {
    const { settings, storage } = context;
    const files: Record<string, string> = {};
    for (const suite of await storage.list('deb/dists')) {
      const parts = suiteParts(suite, settings);
      if (!parts) continue;
      const name = `pkg2os-${parts.target}${channelSuffix(parts.channel)}`;
      const data = { ...view, target: parts.target, channel: parts.channel, codename: suite, name, suffix: channelSuffix(parts.channel) };
      files[`${name}.sources`] = context.templates.render('repo', 'target.sources', data);
      files[`${name}.pref`] = context.templates.render('repo', 'target.pref', data);
    }
    return files;
  },

  describe: (s) => `apt: ${s.packages} package(s) in ${s.suite} (${s.target}${s.channel && s.channel !== 'default' ? `, channel ${s.channel}` : ''}), ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the indices` : ''}`,

  async listed(storage, keyring, options) {
    const { recordFromSignedIndices } = await import('./record-from-release.js');
    return (await recordFromSignedIndices(storage.localPath('deb'), keyring, options?.hashFiles ?? true)).flatMap((entry) =>
      entry.suites.map((suite) => {
        const parts = suiteParts(suite) ?? { target: suite, channel: 'default' };
        return { name: entry.pkg, version: entry.version, arch: entry.arch, format: debianFamily.format, target: parts.target, channel: parts.channel, file: join('deb', entry.filename), sha256: entry.sha256, index: `deb/dists/${suite}/InRelease` };
      }),
    );
  },

  // A .deb is published as it was built: the record's sha256 is the file's.
  matchesRecord: async (_storage, listed, record) => record.sha256 === listed.sha256,
};
