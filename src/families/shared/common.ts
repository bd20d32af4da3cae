/** Helpers shared by the packagers: describing a built file, and text fit for control files and specs. */
import { stat } from 'node:fs/promises';
import { fileDigest } from '../../digest.js';
import type { BuiltPackage } from './family.types.js';
import type { PackageFormat } from '../../config/targets.js';

/** Describe a built package file. */
export async function describeBuilt(format: PackageFormat, name: string, version: string, arch: string, path: string): Promise<BuiltPackage> {
  return { format, name, version, arch, path, sha256: await fileDigest(path), size: (await stat(path)).size };
}

/** Strip control characters other than newline and tab. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** A one-line summary of at most `max` characters. */
export function synopsis(summary: string, fallback: string, max = 79): string {
  const line = cleanText(summary).replace(/\s+/g, ' ').trim().replace(/\.$/, '') || fallback;
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** "a Debian 12", "an Enterprise Linux 9", "an el9": the article as the name is spoken. */
export function article(name: string): string {
  return `${/^(?:[aeiou]|el\d|f\b)/i.test(name) ? 'an' : 'a'} ${name}`;
}
