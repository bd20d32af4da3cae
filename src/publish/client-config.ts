/**
 * Client setup files per target, at the repository root: for a Debian-family
 * target pkg2os-<target>.sources (deb822, Signed-By) and pkg2os-<target>.pref
 * (apt preferences that put this repository's packages above the
 * distribution's, matched on its Origin/Label/suite); for an RPM-family
 * target pkg2os-<target>.repo (gpgcheck, repo_gpgcheck, and a priority that
 * makes dnf prefer it). Rendering is pure; writing is atomic.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TARGETS } from '../config/targets.js';
import { PublishError } from '../errors.js';
import { writeAtomic } from '../fs-atomic.js';
import type { NamedRepoSettings } from './repo.types.js';

/** A name for files on clients: the organization's, in lower case ("example-org-packages"). */
export function repoId(settings: Pick<NamedRepoSettings, 'origin'>): string {
  return settings.origin.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'pkg2os';
}

export interface ClientView {
  baseUrl: string;
  fingerprint: string;
}

/** The files of one target: name → text (the templates are loaded on first use: publishes without --base-url never need them). */
export async function renderClientFiles(settings: NamedRepoSettings, target: string, suite: string | undefined, view: ClientView): Promise<Record<string, string>> {
  const { renderTemplate } = await import('../package/templates.js');
  for (const [what, value] of [['Origin', settings.origin], ['Label', settings.label]] as const) {
    if (/[,\n]/.test(value)) throw new PublishError('PUBLISH_FAILED', `The repository's ${what} "${value}" has a comma or a line break, which an apt preferences pin cannot match.`, { hint: `Give --${what.toLowerCase()} without commas.` });
  }
  const data = { baseUrl: view.baseUrl.replace(/\/+$/, ''), fingerprint: view.fingerprint, label: settings.label, origin: settings.origin, repoId: repoId(settings), target, codename: suite };
  if (TARGETS[target]?.family === 'rpm') return { [`pkg2os-${target}.repo`]: renderTemplate('repo', 'target.repo', data) };
  return { [`pkg2os-${target}.sources`]: renderTemplate('repo', 'target.sources', data), [`pkg2os-${target}.pref`]: renderTemplate('repo', 'target.pref', data) };
}

/** Write the client files of every target the repository serves (each apt suite, each yum repository). */
export async function writeClientFiles(settings: NamedRepoSettings, baseUrl: string, fingerprint: string, suiteTargets: ReadonlyMap<string, string>): Promise<void> {
  const view = { baseUrl, fingerprint };
  for (const suite of await readdir(join(settings.root, 'deb', 'dists')).catch(() => [] as string[])) {
    for (const [name, text] of Object.entries(await renderClientFiles(settings, suiteTargets.get(suite) ?? suite, suite, view))) await writeAtomic(join(settings.root, name), text);
  }
  for (const target of await readdir(join(settings.root, 'rpm')).catch(() => [] as string[])) {
    if (!(await stat(join(settings.root, 'rpm', target, 'repodata')).catch(() => undefined))) continue;
    for (const [name, text] of Object.entries(await renderClientFiles(settings, target, undefined, view))) await writeAtomic(join(settings.root, name), text);
  }
}

/**
 * A repository published before targets had one yum repository at rpm/;
 * pkg2os does not guess which target its rpms were built for.
 */
export async function refuseSingleTargetLayout(root: string): Promise<void> {
  for (const old of ['repodata', 'Packages']) {
    if (await stat(join(root, 'rpm', old)).catch(() => undefined)) {
      throw new PublishError('PUBLISH_CONFLICT', `${root} holds a yum repository in rpm/ (rpm/${old}), as pkg2os published one before it kept one repository per target (rpm/<target>/).`, {
        hint: `Move rpm/Packages, rpm/repodata and rpm/.pkg2os into rpm/<target>/ for the target those rpms were built for (their Release carries no target tag), point clients at the pkg2os-<target>.repo files, and publish again; or publish into a new repository root.`,
      });
    }
  }
}
