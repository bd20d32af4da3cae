import type { RepoSettings } from '../../config/repo-settings.js';

export type { RepoSettings } from '../../config/repo-settings.js';

/** Repository settings with the names settled (Origin and Label from the signing key's user ID unless given). */
export type NamedRepoSettings = RepoSettings & { origin: string; label: string };

/** What one publish did: per kind of repository (apt, yum), a summary of each of its repositories (a suite, a yum repository per target). */
export interface PublishSummary {
  root: string;
  fingerprint: string;
  [kind: string]: unknown;
}
