/**
 * Core metadata (https://packaging.python.org/specifications/core-metadata/)
 * from a wheel's METADATA and WHEEL files: RFC 822-style headers, continuation
 * lines, repeatable fields, and the description in the body.
 */
import { BuildError } from '../errors.js';

/** Headers by lower-cased name, every occurrence kept; `body` is the text after the blank line. */
export interface HeaderFile {
  fields: Map<string, string[]>;
  body: string;
}

/** Parse an email-header-style file (METADATA, WHEEL, PKG-INFO). */
export function parseHeaderFile(text: string): HeaderFile {
  const fields = new Map<string, string[]>();
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  let last: { key: string; index: number } | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') {
      i++;
      break;
    }
    if (/^[ \t]/.test(line) && last) {
      const values = fields.get(last.key)!;
      values[last.index] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const values = fields.get(key) ?? [];
    values.push(value);
    fields.set(key, values);
    last = { key, index: values.length - 1 };
  }
  return { fields, body: lines.slice(i).join('\n') };
}

/** The metadata pkg2os uses to describe a package. */
export interface CoreMetadata {
  name: string;
  version: string;
  summary: string;
  description: string;
  license: string;
  homepage?: string;
  requiresDist: string[];
  requiresPython?: string;
  licenseFiles: string[];
  author?: string;
  /** What was dropped or repaired, for the build log and report (e.g. a folded Home-page). */
  warnings: string[];
}

/** Legacy `Description:` headers indent continuation lines with 8 spaces and "|". */
function unfoldDescription(value: string): string {
  return value
    .split('\n')
    .map((line, index) => (index === 0 ? line : line.replace(/^ {7}\|/, '').replace(/^\s{8}/, '')))
    .join('\n');
}

/** An http(s) URL with no white space or control characters. */
const SINGLE_LINE_URL = /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/;

const LICENSE_CLASSIFIER = /^License :: (?:OSI Approved :: )?(.+)$/;

/** Parse METADATA into `CoreMetadata`; name and version are required. */
export function parseCoreMetadata(text: string, where: string): CoreMetadata {
  const { fields, body } = parseHeaderFile(text);
  const one = (key: string) => fields.get(key)?.[0]?.trim() || undefined;
  const all = (key: string) => fields.get(key) ?? [];
  const name = one('name');
  const version = one('version');
  if (!name || !version) {
    throw new BuildError('INVALID_METADATA', `The wheel's metadata (${where}) has no ${name ? 'Version' : 'Name'} field.`, {
      hint: 'The sdist\'s build backend produced broken metadata; a recipe cannot fix this, report it upstream.',
    });
  }
  const projectUrls = new Map<string, string>();
  for (const entry of all('project-url')) {
    const comma = entry.indexOf(',');
    if (comma > 0) projectUrls.set(entry.slice(0, comma).trim().toLowerCase().replace(/[-_ ]/g, ''), entry.slice(comma + 1).trim());
  }
  const warnings: string[] = [];
  // A URL is one line (a folded Home-page once made rpmbuild fail with "Unknown tag"): anything else is dropped, with a warning.
  const urls = [one('home-page'), projectUrls.get('homepage'), projectUrls.get('home'), projectUrls.get('source'), projectUrls.get('repository'), projectUrls.get('documentation')].filter((u): u is string => u !== undefined);
  for (const url of urls.filter((u) => /[\s\u0000-\u001f\u007f]/.test(u))) warnings.push(`the project URL ${JSON.stringify(url)} is not one http(s) URL on one line; it was left out`);
  const homepage = urls.find((u) => SINGLE_LINE_URL.test(u));
  const classifierLicenses = all('classifier')
    .map((c) => LICENSE_CLASSIFIER.exec(c.trim())?.[1])
    .filter((l): l is string => l !== undefined);
  const licenseField = one('license-expression') ?? (one('license')?.includes('\n') ? undefined : one('license'));
  const license = licenseField && licenseField !== 'UNKNOWN' ? licenseField : classifierLicenses.join(' AND ') || 'Unknown';
  const description = body.trim() !== '' ? body : one('description') ? unfoldDescription(fields.get('description')![0]!) : '';
  return {
    name,
    version,
    summary: (one('summary') ?? '').replace(/\s+/g, ' ').trim(),
    description: description.trim() === 'UNKNOWN' ? '' : description,
    license,
    homepage,
    requiresDist: all('requires-dist'),
    requiresPython: one('requires-python'),
    licenseFiles: all('license-file'),
    author: one('author') ?? one('author-email'),
    warnings,
  };
}

/** From a wheel's WHEEL file: whether it is pure Python (installable on any Python 3). */
export function isPureWheel(wheelFileText: string): boolean {
  const { fields } = parseHeaderFile(wheelFileText);
  const rootIsPurelib = (fields.get('root-is-purelib')?.[0] ?? '').toLowerCase() === 'true';
  const tags = fields.get('tag') ?? [];
  return rootIsPurelib && tags.length > 0 && tags.every((tag) => /-none-any$/.test(tag));
}
