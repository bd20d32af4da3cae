import type { RepoSettings } from '../config/repo-settings.js';
import type { AptSuiteSummary } from './apt/suite.js';
import type { YumSummary } from './yum/yum-publisher.js';

export type { RepoSettings } from '../config/repo-settings.js';

/** Repository settings with the names settled (Origin and Label from the signing key's user ID unless given). */
export type NamedRepoSettings = RepoSettings & { origin: string; label: string };

/** What one publish did: per apt suite and per yum repository (one per RPM-family target). */
export interface PublishSummary {
  root: string;
  apt?: AptSuiteSummary[];
  yum?: YumSummary[];
  fingerprint: string;
}
