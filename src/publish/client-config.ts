/** Client setup files: deb822 pkg2os.sources (Signed-By) and pkg2os.repo (gpgcheck, repo_gpgcheck). Pure. */
import { renderTemplate } from '../package/templates.js';
import type { RepoSettings } from './repo.types.js';

export function renderClientConfig(settings: RepoSettings, baseUrl: string, fingerprint: string): { sources: string; repo: string } {
  const view = {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    codename: settings.codename,
    label: settings.label,
    name: 'pkg2os',
    fingerprint,
  };
  return { sources: renderTemplate('repo', 'pkg2os.sources', view), repo: renderTemplate('repo', 'pkg2os.repo', view) };
}
