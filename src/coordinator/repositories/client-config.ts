/**
 * Client setup files per target, at the repository root: each repository
 * kind renders its own (apt: pkg2os-<target>.sources in deb822 with
 * Signed-By, and pkg2os-<target>.pref that puts this repository's packages
 * above the distribution's; yum: pkg2os-<target>.repo with gpgcheck,
 * repo_gpgcheck and a priority that makes dnf prefer it). Writing is atomic.
 */
import { PublishError } from '../../errors.js';
import type { RepositoryStorage } from '../publish/storage.js';
import type { NamedRepoSettings } from '../publish/repo.types.js';
import type { ClientView } from '../publish/repository-kind.js';
import { REPOSITORY_KINDS } from './registry.js';
import { Templates } from '../../families/shared/templates.js';

/** A name for files on clients: the organization's, in lower case ("example-org-packages"). */
export function repoId(settings: Pick<NamedRepoSettings, 'origin'>): string {
  return settings.origin.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'pkg2os';
}

/** What the client files of a repository say. */
export function clientView(settings: NamedRepoSettings, baseUrl: string, fingerprint: string): ClientView {
  for (const [what, value] of [['Origin', settings.origin], ['Label', settings.label]] as const) {
    if (/[,\n]/.test(value)) throw new PublishError('PUBLISH_FAILED', `The repository's ${what} "${value}" has a comma or a line break, which an apt preferences pin cannot match.`, { hint: `Give --${what.toLowerCase()} without commas.` });
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), fingerprint, label: settings.label, origin: settings.origin, repoId: repoId(settings) };
}

/** Write the client files of every repository the root holds, of every kind. */
export async function writeClientFiles(settings: NamedRepoSettings, storage: RepositoryStorage, view: ClientView): Promise<void> {
  const templates = new Templates(settings.templatesDir);
  for (const kind of REPOSITORY_KINDS) {
    for (const [name, text] of Object.entries(await kind.clientFiles({ settings, storage, templates }, view))) await storage.writeAtomic(name, text);
  }
}

/**
 * A repository published before targets had one yum repository at rpm/;
 * pkg2os does not guess which target its rpms were built for.
 */
export async function refuseSingleTargetLayout(storage: RepositoryStorage): Promise<void> {
  for (const old of ['repodata', 'Packages']) {
    if (await storage.stat(`rpm/${old}`)) {
      throw new PublishError('PUBLISH_CONFLICT', `${storage.description} holds a yum repository in rpm/ (rpm/${old}), as pkg2os published one before it kept one repository per target (rpm/<target>/).`, {
        hint: `Move rpm/Packages, rpm/repodata and rpm/.pkg2os into rpm/<target>/ for the target those rpms were built for (their Release carries no target tag), point clients at the pkg2os-<target>.repo files, and publish again; or publish into a new repository root.`,
      });
    }
  }
}
