/**
 * The apt repository kind: .debs under <root>/deb, one suite per
 * Debian-family target (its codename) sharing one pool; client files
 * pkg2os-<target>.sources and .pref per suite.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { NamedRepoSettings } from '../../../coordinator/publish/repo.types.js';
import type { RepositoryKind } from '../../../coordinator/publish/repository-kind.js';
import { TARGETS } from '../../../config/targets.js';
import { targetOfRelease } from '../../shared/targets-of.js';
import { debianFamily } from '../family.js';
import { debianArch } from '../packager.js';
import { AptPublisher } from './apt-publisher.js';
import { type DebFacts, readDebs } from './read-controls.js';
import type { AptSuiteSummary } from './suite.js';

const summarySchema = z
  .object({
    suite: z.string(),
    target: z.string(),
    added: z.array(z.string()),
    packages: z.number().int().min(0).describe('packages the indices list'),
    release: z.string(),
    retired: z.array(z.string()).describe('files that left the indices in this publish (older than the newest N versions)'),
    removed: z.array(z.string()).describe('retired files removed after the retention window'),
  })
  .strict()
  .describe('an apt suite (one per Debian-family target)');

/** Suite → target, with the codenames the settings give. */
function suiteTargets(settings: Pick<NamedRepoSettings, 'codenames'>): Map<string, string> {
  return new Map(Object.entries(settings.codenames).map(([target, codename]) => [codename, target]));
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
    const suites = suiteTargets(settings);
    const suiteOf = (version: string, deb: string) => {
      const target = targetOfRelease(debianFamily, version.replace(/^.*-/, ''), deb, context.defaultTarget);
      return settings.codenames[target.name] ?? target.codename!;
    };
    const named = { ...settings, architectures: settings.architectures.length ? settings.architectures : [debianArch()] };
    const publisher = new AptPublisher(named, context.signer, context.logger, suiteOf, (suite) => suites.get(suite) ?? suite, early as Promise<ReadonlyMap<string, DebFacts>> | undefined);
    return publisher.prepare(files, context.keys, { force: context.force, clock: context.clock });
  },

  async clientFiles(context, view) {
    const { settings, storage } = context;
    const files: Record<string, string> = {};
    const targets = suiteTargets(settings);
    for (const suite of await storage.list('deb/dists')) {
      const target = targets.get(suite) ?? Object.values(TARGETS).find((t) => t.codename === suite)?.name ?? suite;
      const data = { ...view, target, codename: suite };
      files[`pkg2os-${target}.sources`] = context.templates.render('repo', 'target.sources', data);
      files[`pkg2os-${target}.pref`] = context.templates.render('repo', 'target.pref', data);
    }
    return files;
  },

  describe: (s) => `apt: ${s.packages} package(s) in ${s.suite} (${s.target}), ${s.added.length} added${s.retired.length ? `, ${s.retired.length} older version(s) left the indices` : ''}`,

  async listed(storage, keyring) {
    const { recordFromSignedIndices } = await import('./record-from-release.js');
    const suites = new Map(Object.values(TARGETS).filter((t) => t.codename).map((t) => [t.codename!, t.name]));
    return (await recordFromSignedIndices(storage.localPath('deb'), keyring)).flatMap((entry) =>
      entry.suites.map((suite) => ({ name: entry.pkg, version: entry.version, arch: entry.arch, format: debianFamily.format, target: suites.get(suite) ?? suite, file: join('deb', entry.filename), sha256: entry.sha256, index: `deb/dists/${suite}/InRelease` })),
    );
  },

  // A .deb is published as it was built: the record's sha256 is the file's.
  matchesRecord: async (_storage, listed, record) => record.sha256 === listed.sha256,
};
