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

/**
 * The start of a long description for a package's extended description:
 * upstream's README reduced to its opening prose — badges, images, HTML,
 * heading marks, code blocks and link targets left out — at most
 * `maxParagraphs` paragraphs and `maxLines` lines, every line wrapped to
 * `width` columns. Ends with where the rest is, when something was left out.
 */
export function descriptionStart(text: string, options: { width?: number; maxLines?: number; maxParagraphs?: number; more?: string } = {}): string[] {
  const width = options.width ?? 78;
  const maxLines = options.maxLines ?? 12;
  const paragraphs: string[] = [];
  let current: string[] = [];
  let fenced = false;
  let cut = false;
  const flush = () => {
    if (current.length) paragraphs.push(current.join(' ').replace(/\s+/g, ' ').trim());
    current = [];
  };
  for (const raw of cleanText(text).split('\n')) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      fenced = !fenced;
      flush();
      continue;
    }
    if (fenced) continue;
    // Markup that says nothing in a package list: badges, images, directives, link targets, HTML, rules, heading underlines.
    if (line === '' || /^(\[!\[|!\[|\.\. |<\/?[a-z]|\||[=\-~^*#+_`]{3,}$|\[[^\]]+\]:\s)/i.test(line)) {
      flush();
      continue;
    }
    // A heading is no prose: it ends a paragraph and is left out.
    if (/^#{1,6}\s/.test(line)) {
      flush();
      continue;
    }
    // Indented blocks (code in reST and Markdown) are left out.
    if (/^( {4}|\t)/.test(raw) && current.length === 0) continue;
    current.push(line.replace(/!\[[^\]]*\]\([^)]*\)/g, '').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/`{1,2}([^`]+)`{1,2}_?/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1'));
  }
  flush();
  const prose = paragraphs.filter((p) => p.length > 0);
  if (prose.length > (options.maxParagraphs ?? 2)) cut = true;
  const lines: string[] = [];
  for (const [i, paragraph] of prose.slice(0, options.maxParagraphs ?? 2).entries()) {
    if (i > 0) lines.push('');
    lines.push(...wrap(paragraph, width));
  }
  if (lines.length > maxLines) {
    lines.length = maxLines;
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    cut = true;
  }
  if (cut && options.more) lines.push('', ...wrap(options.more, width));
  return lines;
}

/** Words wrapped to `width` columns (a word longer than that stands alone). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  // A word longer than a line (a long URL) is cut into pieces of a line each.
  const words = text.split(/\s+/).filter(Boolean).flatMap((w) => (w.length > width ? (w.match(new RegExp(`.{1,${width}}`, 'g')) ?? [w]) : [w]));
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** Licences Debian ships in /usr/share/common-licenses, as their texts begin. */
const COMMON_LICENSES: Array<{ name: string; title: string; test: RegExp }> = [
  { name: 'Apache-2.0', title: 'the Apache License, Version 2.0', test: /Apache License\s+Version 2\.0, January 2004/i },
  { name: 'GPL-3', title: 'the GNU General Public License, version 3', test: /GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007/i },
  { name: 'GPL-2', title: 'the GNU General Public License, version 2', test: /GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991/i },
  { name: 'LGPL-3', title: 'the GNU Lesser General Public License, version 3', test: /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007/i },
  { name: 'LGPL-2.1', title: 'the GNU Lesser General Public License, version 2.1', test: /GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1, February 1999/i },
  { name: 'MPL-2.0', title: 'the Mozilla Public License, version 2.0', test: /Mozilla Public License,? Version 2\.0/i },
  { name: 'CC0-1.0', title: 'the Creative Commons CC0 1.0 Universal licence', test: /CC0 1\.0 Universal/i },
];

/** The licence in /usr/share/common-licenses that a licence file is the text of (its opening says which), if any. */
export function commonLicense(text: string): { name: string; title: string } | undefined {
  const opening = cleanText(text).slice(0, 2000);
  const found = COMMON_LICENSES.find((l) => l.test.test(opening));
  return found ? { name: found.name, title: found.title } : undefined;
}
