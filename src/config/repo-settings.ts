/** The settings of a published repository, from flags and pkg2os.config.yaml (flags win). */

/** Settings of a published repository (apt under <root>/deb, yum under <root>/rpm). */
export interface RepoSettings {
  root: string;
  /** The apt suite of a Debian-family target, where --codename renames the target's own (e.g. bookworm). */
  codenames: Record<string, string>;
  /** Release's Origin and Label, and the yum repositories' name (default: the signing key's user ID). */
  origin?: string;
  label?: string;
  /** Architectures an apt repository lists (`all` packages under each); empty: the machine's. */
  architectures: string[];
  /** How long a Release stays valid (seconds): apt refuses it afterwards (Valid-Until). */
  validFor: number;
  /** How long superseded by-hash indices, yum metadata and retired package files stay (seconds). */
  retention: number;
  /** How many versions of each package the indices list, newest first (0: all). */
  keepVersions: number;
  /** Where clients reach <root>, for the client setup files. */
  baseUrl?: string;
  /** A directory of templates that override pkg2os's own (the client files' under repo/). */
  templatesDir?: string;
  /** The channel a publish goes to (undefined: the default channel, the repository's original suites and directories). */
  channel?: string;
  /** Snapshots kept per channel (0: all). */
  keepSnapshots?: number;
}

/** Repository options shared by `publish` and `build --repo`. */
export interface RepoFlags {
  repo?: string;
  key?: string;
  baseUrl?: string;
  codename?: string;
  origin?: string;
  label?: string;
  arch?: string;
  validFor?: string;
  retention?: string;
  keepVersions?: string;
  replaceKey?: boolean;
  templatesDir?: string;
  channel?: string;
  keepSnapshots?: string;
}
