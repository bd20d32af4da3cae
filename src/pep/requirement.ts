/**
 * PEP 508 dependency specifiers (https://peps.python.org/pep-0508/):
 * `name [extras] specifier ; marker`. Direct URL references are refused: a
 * requirement must go through the index, where its hash is published.
 */
import { validRange } from '@renovatebot/pep440';
import { ConfigError } from '../errors.js';
import { isValidProjectName, normalizeName } from './names.js';
import { type Marker, parseMarker } from './markers.js';

export interface Requirement {
  /** The name as written. */
  name: string;
  /** PEP 503 normalized name. */
  project: string;
  /** Normalized extra names, sorted. */
  extras: string[];
  /** The version specifier, normalized to `op version` joined with ", " ('' for any). */
  specifier: string;
  /** The environment marker, if any. */
  marker?: Marker;
  /** The text it was parsed from. */
  text: string;
}

const SPEC_ITEM = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$/;

function invalid(text: string, why: string): ConfigError {
  return new ConfigError('INVALID_REQUIREMENT', `"${text}" is not a valid requirement: ${why}.`, {
    hint: 'Write it as in pip, e.g. "django", "django>=3.2,<4", "requests[socks]~=2.31" (PEP 508).',
  });
}

/** Parse and normalize a version specifier list such as ">=1.0, <2". */
export function parseSpecifier(spec: string, context = spec): string {
  const trimmed = spec.trim();
  if (trimmed === '') return '';
  const items = trimmed.split(',').map((item) => {
    const match = SPEC_ITEM.exec(item);
    if (!match) throw invalid(context, `"${item.trim()}" is not a version clause like ">=1.0"`);
    return `${match[1]}${match[2]}`;
  });
  for (const item of items) {
    if (item.startsWith('===')) continue; // arbitrary equality: any string
    if (!validRange(item)) throw invalid(context, `"${item}" is not a valid PEP 440 version clause`);
  }
  return items.join(', ');
}

/** Parse one PEP 508 requirement. Throws `ConfigError` with a clear message. */
export function parseRequirement(text: string): Requirement {
  const source = text.trim();
  const [head = '', ...markerParts] = splitMarker(source);
  const nameMatch = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(head);
  if (!nameMatch || !isValidProjectName(nameMatch[1]!)) throw invalid(source, 'it must start with a project name');
  const name = nameMatch[1]!;
  let rest = head.slice(nameMatch[0].length).trim();

  let extras: string[] = [];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(source, 'the extras list has no closing "]"');
    extras = rest
      .slice(1, close)
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '')
      .map((e) => {
        if (!isValidProjectName(e)) throw invalid(source, `"${e}" is not a valid extra name`);
        return normalizeName(e);
      });
    extras = [...new Set(extras)].sort();
    rest = rest.slice(close + 1).trim();
  }
  if (rest.startsWith('@')) throw invalid(source, 'direct URL references are not supported; pkg2os only builds from an index, where every file has a published hash');
  if (rest.startsWith('(')) {
    if (!rest.endsWith(')')) throw invalid(source, 'the version specifier has no closing ")"');
    rest = rest.slice(1, -1);
  }
  const specifier = parseSpecifier(rest, source);
  const markerText = markerParts.join(';').trim();
  if (markerParts.length > 0 && markerText === '') throw invalid(source, 'the marker after ";" is empty');
  let marker: Marker | undefined;
  if (markerText !== '') {
    try {
      marker = parseMarker(markerText);
    } catch (error) {
      throw invalid(source, (error as Error).message);
    }
  }
  return { name, project: normalizeName(name), extras, specifier, marker, text: source };
}

/** Split at the first ';' that is not inside quotes. */
function splitMarker(text: string): string[] {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ';') {
      return [text.slice(0, i), text.slice(i + 1)];
    }
  }
  return [text];
}

/** Render a requirement back to PEP 508 text (for reports and messages). */
export function formatRequirement(req: Pick<Requirement, 'name' | 'extras' | 'specifier'>): string {
  const extras = req.extras.length ? `[${req.extras.join(',')}]` : '';
  return `${req.name}${extras}${req.specifier ? ` ${req.specifier}` : ''}`;
}
