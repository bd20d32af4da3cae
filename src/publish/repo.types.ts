/** Settings of a published repository (apt under <root>/deb, yum under <root>/rpm). */
export interface RepoSettings {
  root: string;
  /** apt suite and codename (default: the target's codename, e.g. bookworm). */
  codename: string;
  suite: string;
  origin: string;
  label: string;
  /** apt architectures; `all` packages are listed under each. */
  architectures: string[];
  /** How long a Release stays valid (seconds): apt refuses it afterwards (Valid-Until). */
  validFor: number;
  /** How long superseded by-hash indices, yum metadata and retired package files stay (seconds). */
  retention: number;
  /** How many versions of each package the indices list, newest first (0: all). */
  keepVersions: number;
  /** Where clients reach <root>, for pkg2os.sources and pkg2os.repo. */
  baseUrl?: string;
  /** The clock, for tests. */
  now?: Date;
}

/** What one publish did. */
export interface PublishSummary {
  root: string;
  apt?: { added: string[]; packages: number; release: string; retired: string[]; removed: string[] };
  yum?: { added: string[]; packages: number; repomd: string; retired: string[]; removed: string[] };
  fingerprint: string;
}

/** A publish that has made and checked everything, and waits to be switched live. */
export interface PreparedPublish<T> {
  /** Switch the new state live, in the order clients need. */
  commit(): Promise<T>;
  /** Throw the prepared state away; the live repository stays as it was. */
  abort(): Promise<void>;
}
