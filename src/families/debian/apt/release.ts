/**
 * The Release file of an apt suite (https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files):
 * rendered from the settings and the index files' hashes, and parsed back
 * (through the deb822 parser) when a publish needs what the live one lists.
 */
import { field, parseParagraph } from './deb822.js';

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

/** What a Release says of its suite besides the files. */
export interface ReleaseFields {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  architectures: readonly string[];
  /** Seconds it stays valid. */
  validFor: number;
}

export function renderRelease(settings: ReleaseFields, files: readonly IndexFileEntry[], now: Date): string {
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

/** What a Release says: its files with their hashes, its validity and architectures. */
export interface ParsedRelease {
  files: Map<string, { size: number; sha256?: string; sha512?: string }>;
  /** Every hash it lists (either algorithm), to recognize current files by name in by-hash/. */
  hashes: Set<string>;
  validUntil?: Date;
  architectures: string[];
}

/** Parse a Release (or the text of an InRelease); an empty text is an empty Release. */
export function parseRelease(text: string): ParsedRelease {
  const paragraph = parseParagraph(text);
  const files: ParsedRelease['files'] = new Map();
  const hashes = new Set<string>();
  for (const alg of ['sha256', 'sha512'] as const) {
    for (const line of (field(paragraph, alg) ?? '').split('\n').slice(1)) {
      const [hash, size, path] = line.trim().split(/\s+/);
      if (!hash || !path) continue;
      files.set(path, { ...files.get(path), size: Number(size), [alg]: hash });
      hashes.add(hash);
    }
  }
  const until = field(paragraph, 'Valid-Until');
  const parsedUntil = until ? new Date(Date.parse(until.replace('UTC', 'GMT'))) : undefined;
  return { files, hashes, validUntil: parsedUntil && Number.isFinite(parsedUntil.getTime()) ? parsedUntil : undefined, architectures: (field(paragraph, 'Architectures') ?? '').split(/\s+/).filter(Boolean) };
}
