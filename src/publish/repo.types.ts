export type { RepoSettings } from '../config/repo-settings.js';

/** What one publish did. */
export interface PublishSummary {
  root: string;
  apt?: { added: string[]; packages: number; release: string; retired: string[]; removed: string[] };
  yum?: { added: string[]; packages: number; repomd: string; retired: string[]; removed: string[] };
  fingerprint: string;
}
