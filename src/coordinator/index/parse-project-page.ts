/**
 * Parsers for a project page: PEP 691 JSON (https://peps.python.org/pep-0691/)
 * and PEP 503 HTML (https://peps.python.org/pep-0503/), both to `IndexFile`s.
 */
import { Parser } from 'htmlparser2';
import { IndexError } from '../../errors.js';
import type { IndexFile } from '../../pep/index.types.js';

const HASH_ALGORITHMS = new Set(['sha256', 'sha384', 'sha512']);

function malformed(pageUrl: string, why: string): IndexError {
  return new IndexError('INDEX_MALFORMED', `The index page ${pageUrl} is malformed: ${why}.`, {
    hint: 'Check that --index-url points at a PEP 503/691 "simple" index (it usually ends in /simple/).',
  });
}

/** A URL of the page, resolved against `base`; a URL that does not parse makes the page malformed. */
function resolveUrl(href: string, base: string, pageUrl: string): URL {
  try {
    return new URL(href, base);
  } catch {
    throw malformed(pageUrl, `it links to ${JSON.stringify(href.slice(0, 200))}, which is not a URL`);
  }
}

function splitFragment(href: string, base: string, pageUrl: string): { url: string; hashes: Record<string, string> } {
  const url = resolveUrl(href, base, pageUrl);
  const hashes: Record<string, string> = {};
  const fragment = /^#([a-z0-9]+)=([0-9a-fA-F]+)$/.exec(url.hash);
  if (fragment && HASH_ALGORITHMS.has(fragment[1]!)) hashes[fragment[1]!] = fragment[2]!.toLowerCase();
  url.hash = '';
  return { url: url.href, hashes };
}

/** PEP 740's provenance URL, resolved against the page (relative URLs are allowed); nothing when absent. One that is not a URL makes the page malformed: never "no provenance". */
function provenanceUrl(value: unknown, base: string, pageUrl: string): { provenance?: string } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') throw malformed(pageUrl, 'a provenance is not a URL');
  return { provenance: resolveUrl(value, base, pageUrl).href };
}

/** Parse a PEP 691 JSON project page. */
export function parsePep691(body: string, pageUrl: string): IndexFile[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw malformed(pageUrl, 'its JSON does not parse');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw malformed(pageUrl, 'its JSON is not an object');
  const files = (doc as { files?: unknown }).files;
  if (!Array.isArray(files)) throw malformed(pageUrl, 'it has no "files" list');
  return files.map((item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw malformed(pageUrl, 'a file entry is not an object');
    const entry = item as Record<string, unknown>;
    if (typeof entry.filename !== 'string' || typeof entry.url !== 'string') throw malformed(pageUrl, 'a file entry lacks "filename" or "url"');
    const { url, hashes: fragmentHashes } = splitFragment(entry.url, pageUrl, pageUrl);
    const hashes: Record<string, string> = { ...fragmentHashes };
    if (entry.hashes && typeof entry.hashes === 'object' && !Array.isArray(entry.hashes)) {
      for (const [alg, value] of Object.entries(entry.hashes as Record<string, unknown>)) {
        if (HASH_ALGORITHMS.has(alg) && typeof value === 'string') hashes[alg] = value.toLowerCase();
      }
    }
    const yanked = entry.yanked === true ? true : typeof entry.yanked === 'string' && entry.yanked !== '' ? entry.yanked : entry.yanked === '' ? true : false;
    return {
      filename: entry.filename,
      url,
      hashes,
      requiresPython: typeof entry['requires-python'] === 'string' && entry['requires-python'] !== '' ? entry['requires-python'] : undefined,
      yanked,
      gpgSig: typeof entry['gpg-sig'] === 'boolean' ? entry['gpg-sig'] : undefined,
      ...provenanceUrl(entry.provenance, pageUrl, pageUrl),
    };
  });
}

/** Parse a PEP 503 HTML project page (attributes are HTML-unescaped by the parser). */
export function parsePep503(body: string, pageUrl: string): IndexFile[] {
  const files: IndexFile[] = [];
  let base = pageUrl;
  let current: { attrs: Record<string, string>; text: string } | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'base' && attrs.href) base = resolveUrl(attrs.href, pageUrl, pageUrl).href;
        if (name === 'a') current = { attrs, text: '' };
      },
      ontext(text) {
        if (current) current.text += text;
      },
      onclosetag(name) {
        if (name !== 'a' || !current) return;
        const { attrs, text } = current;
        current = undefined;
        if (!attrs.href) return;
        const { url, hashes } = splitFragment(attrs.href, base, pageUrl);
        let filename = text.trim();
        if (!filename) {
          try {
            filename = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
          } catch {
            throw malformed(pageUrl, `it links to ${JSON.stringify(url.slice(0, 200))}, whose file name does not decode`);
          }
        }
        const yankedAttr = attrs['data-yanked'];
        files.push({
          filename,
          url,
          hashes,
          requiresPython: attrs['data-requires-python'] || undefined,
          yanked: yankedAttr === undefined ? false : yankedAttr === '' ? true : yankedAttr,
          gpgSig: attrs['data-gpg-sig'] === undefined ? undefined : attrs['data-gpg-sig'] === 'true',
          ...provenanceUrl(attrs['data-provenance'], base, pageUrl),
        });
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(body);
  parser.end();
  return files;
}
