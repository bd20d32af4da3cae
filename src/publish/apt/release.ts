/**
 * The Release file of an apt suite (https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files).
 * Pure: from the settings and the index files' hashes to the text.
 */
import type { RepoSettings } from '../repo.types.js';

export interface IndexFileEntry {
  /** Path relative to dists/<codename>/. */
  path: string;
  size: number;
  sha256: string;
  sha512: string;
}

/** RFC 2822 date in UTC, as apt writes and parses it. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace('GMT', 'UTC');
}

export function renderRelease(settings: RepoSettings, files: readonly IndexFileEntry[], now: Date): string {
  const width = Math.max(...files.map((f) => String(f.size).length), 1);
  const list = (alg: 'sha256' | 'sha512') => files.map((f) => ` ${f[alg]} ${String(f.size).padStart(width)} ${f.path}`);
  const lines = [
    `Origin: ${settings.origin}`,
    `Label: ${settings.label}`,
    `Suite: ${settings.suite}`,
    `Codename: ${settings.codename}`,
    `Date: ${releaseDate(now)}`,
    `Valid-Until: ${releaseDate(new Date(now.getTime() + settings.validFor * 1000))}`,
    `Architectures: ${settings.architectures.join(' ')}`,
    'Components: main',
    // Architecture: all packages are listed in every binary-<arch>/Packages, and there is no binary-all.
    'No-Support-for-Architecture-all: Packages',
    'Acquire-By-Hash: yes',
    'SHA256:',
    ...list('sha256'),
    'SHA512:',
    ...list('sha512'),
  ];
  return `${lines.join('\n')}\n`;
}
