/** One file that an index lists for a project (PEP 503 anchor or PEP 691 file object). */
export interface IndexFile {
  filename: string;
  /** Absolute URL, resolved against the page it was listed on (fragment removed). */
  url: string;
  /** Hashes the index published, by algorithm name (lower case), hex. */
  hashes: Record<string, string>;
  /** `Requires-Python` as published, or undefined. */
  requiresPython?: string;
  /** PEP 592: false, or the reason (true when none was given). */
  yanked: false | string | true;
  /** PEP 503 `data-gpg-sig` / PEP 691 `gpg-sig`: whether `<url>.asc` exists; undefined when not said. */
  gpgSig?: boolean;
  /** PEP 740 (PEP 691 `provenance`, PEP 503 `data-provenance`): the absolute URL of the file's provenance object, when the index publishes one. */
  provenance?: string;
}

/** A project page from the index. */
export interface ProjectPage {
  project: string;
  /** The URL the page was finally read from. */
  url: string;
  format: 'pep691-json' | 'pep503-html';
  files: IndexFile[];
}

/** An sdist chosen for building, with the version parsed from its file name. */
export interface SdistCandidate {
  project: string;
  version: string;
  file: IndexFile;
}
