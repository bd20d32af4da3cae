/**
 * Choosing the sdist to build: the newest version that satisfies the
 * requirement's specifier and whose Requires-Python admits the target's
 * Python, skipping yanked files (PEP 592) unless the requirement pins exactly
 * that version. Pre-releases only when asked for, or when nothing else
 * matches (PEP 440, "Handling of pre-releases").
 */
import { rcompare, satisfies, valid, validRange } from '@renovatebot/pep440';
import { IndexError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import { normalizeName } from '../../pep/names.js';
import type { Requirement } from '../../pep/requirement.js';
import type { IndexFile, ProjectPage, SdistCandidate } from '../../pep/index.types.js';

/** Archive suffixes of source distributions, in order of preference. */
export const SDIST_SUFFIXES = ['.tar.gz', '.tgz', '.zip', '.tar.bz2', '.tar.xz'] as const;

/**
 * Split an sdist file name into project and version. Legacy names may contain
 * "-" in the project part (python-yubico-1.3.3.tar.gz), so the split is the
 * one whose left side normalizes to the project's name.
 */
export function parseSdistFilename(filename: string, project: string): { version: string; suffix: string } | undefined {
  const suffix = SDIST_SUFFIXES.find((s) => filename.toLowerCase().endsWith(s));
  if (!suffix) return undefined;
  const stem = filename.slice(0, -suffix.length);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    const name = stem.slice(0, i);
    const version = stem.slice(i + 1);
    if (/^[A-Za-z0-9._-]+$/.test(name) && name.toLowerCase().replace(/[-_.]+/g, '-') === normalizeName(project) && valid(version) !== null) {
      return { version, suffix };
    }
  }
  return undefined;
}

/**
 * Split a wheel file name (https://packaging.python.org/specifications/binary-distribution-format/#file-name-convention)
 * into version and tags; undefined when it is not a wheel of `project`.
 */
export function parseWheelFilename(filename: string, project: string): { version: string; pure: boolean } | undefined {
  const m = /^([A-Za-z0-9._]+)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(filename);
  if (!m || m[1]!.toLowerCase().replace(/[-_.]+/g, '-') !== normalizeName(project) || valid(m[2]!) === null) return undefined;
  const pure = m[4] === 'none' && m[5] === 'any' && m[3]!.split('.').some((t) => t === 'py3' || /^py3\d*$/.test(t));
  return { version: m[2]!, pure };
}

/** A build requirement from the index: a pure wheel when the chosen version has one, else that version's sdist. */
export interface BuildCandidate extends SdistCandidate {
  kind: 'wheel' | 'sdist';
}

/** The newest version of a build requirement that satisfies it and admits the build's Python; its pure wheel, else its sdist. */
export function selectBuildDistribution(page: ProjectPage, req: Requirement, options: SelectOptions): BuildCandidate | undefined {
  return buildDistributions(page, req, options)[0];
}

/** Every version of a build requirement that satisfies it and admits the build's Python, newest first: each its pure wheel, else its sdist. */
export function buildDistributions(page: ProjectPage, req: Requirement, options: SelectOptions): BuildCandidate[] {
  const specifier = req.specifier.replace(/, /g, ',');
  const ok = (version: string, file: IndexFile) =>
    file.yanked === false && (specifier === '' ? !isPre(version) : satisfies(version, specifier, { prereleases: false })) && admitsPython(file, options.pythonFullVersion, options.logger ?? silentLogger);
  const found: BuildCandidate[] = [];
  for (const file of page.files) {
    const wheel = parseWheelFilename(file.filename, req.project);
    if (wheel?.pure && ok(wheel.version, file)) found.push({ kind: 'wheel', project: req.project, version: wheel.version, file });
    const sdist = wheel ? undefined : parseSdistFilename(file.filename, req.project);
    if (sdist && ok(sdist.version, file)) found.push({ kind: 'sdist', project: req.project, version: sdist.version, file });
  }
  found.sort((a, b) => rcompare(a.version, b.version) || (a.kind === b.kind ? suffixRank(a.file.filename) - suffixRank(b.file.filename) : a.kind === 'wheel' ? -1 : 1));
  return found.filter((c, i) => i === 0 || found[i - 1]!.version !== c.version);
}

/** The versions of a project the index has (sdists and wheels), newest first, for messages. */
export function availableVersions(page: ProjectPage, project: string): string[] {
  const versions = new Set<string>();
  for (const file of page.files) {
    const v = parseWheelFilename(file.filename, project)?.version ?? parseSdistFilename(file.filename, project)?.version;
    if (v) versions.add(v);
  }
  return [...versions].sort((a, b) => rcompare(a, b));
}

function admitsPython(file: IndexFile, pythonFullVersion: string, logger: Logger): boolean {
  if (!file.requiresPython) return true;
  // Like pip: a Requires-Python that does not parse is ignored, with a warning.
  const spec = file.requiresPython.split(',').map((s) => s.trim()).filter(Boolean).join(',');
  if (!validRange(spec)) {
    logger.warn(`${file.filename}: ignoring Requires-Python "${file.requiresPython}", which is not a valid specifier`);
    return true;
  }
  return satisfies(pythonFullVersion, spec, { prereleases: true });
}

export interface SelectOptions {
  /** Python "X.Y.Z" of the target, for Requires-Python. */
  pythonFullVersion: string;
  /** Allow pre-releases even when final releases match (`--pre`). */
  pre?: boolean;
  logger?: Logger;
}

/** Pick the sdist to build for `req` from a project page, or explain why there is none. */
export function selectSdist(page: ProjectPage, req: Requirement, options: SelectOptions): SdistCandidate {
  const found = sdistCandidates(page, req, options);
  if (found.length === 0) throw noMatch(page, req, sdistsOf(page, req.project), options);
  return found[0]!;
}

/** Why no sdist of `req` can be built from this page (for a conflict's message). */
export function noSdistReason(page: ProjectPage, req: Requirement, options: SelectOptions): IndexError {
  return noMatch(page, req, sdistsOf(page, req.project), options);
}

function sdistsOf(page: ProjectPage, project: string): SdistCandidate[] {
  const sdists: SdistCandidate[] = [];
  for (const file of page.files) {
    const parsed = parseSdistFilename(file.filename, project);
    if (parsed) sdists.push({ project, version: parsed.version, file });
  }
  return sdists;
}

/**
 * Every sdist that can be built for `req`, best first: newest version first
 * (and of one version, the preferred archive), pre-releases and yanked files
 * only as selectSdist allows them. One per version.
 */
export function sdistCandidates(page: ProjectPage, req: Requirement, options: SelectOptions): SdistCandidate[] {
  const logger = options.logger ?? silentLogger;
  const sdists = sdistsOf(page, req.project);
  const specifier = req.specifier.replace(/, /g, ',');
  const explicitPre = options.pre || /\d(a|b|rc|c|alpha|beta|pre|preview|dev)\d*/i.test(specifier);
  const matchesSpec = (c: SdistCandidate, pre: boolean) => specifier === '' ? pre || !isPre(c.version) : satisfies(c.version, specifier, { prereleases: pre });
  const pinned = /^===?\s*[^,*]+$/.test(specifier);

  const usable = (pre: boolean, allowYanked: boolean) =>
    sdists.filter((c) => (allowYanked || c.file.yanked === false) && matchesSpec(c, pre) && admitsPython(c.file, options.pythonFullVersion, logger));

  let chosen = usable(explicitPre, false);
  if (chosen.length === 0 && !explicitPre) chosen = usable(true, false);
  if (chosen.length === 0 && pinned) {
    chosen = usable(true, true);
    for (const c of chosen) logger.warn(`${c.file.filename} is yanked${typeof c.file.yanked === 'string' ? ` (${c.file.yanked})` : ''}; using it because the requirement pins it exactly`);
  }
  chosen.sort((a, b) => rcompare(a.version, b.version) || suffixRank(a.file.filename) - suffixRank(b.file.filename));
  return chosen.filter((c, i) => i === 0 || chosen[i - 1]!.version !== c.version);
}

function isPre(version: string): boolean {
  return /(a|b|rc|c|alpha|beta|pre|preview|dev)\d*/i.test(version.replace(/^\d+!/, '').replace(/\+.*$/, ''));
}

function suffixRank(filename: string): number {
  return SDIST_SUFFIXES.findIndex((s) => filename.toLowerCase().endsWith(s));
}

function noMatch(page: ProjectPage, req: Requirement, sdists: SdistCandidate[], options: SelectOptions): IndexError {
  const versions = [...new Set(sdists.map((c) => c.version))];
  let why: string;
  if (page.files.length === 0) why = 'the index lists no files for it';
  else if (sdists.length === 0) why = `the index lists ${page.files.length} file(s) for it but no source distribution (pkg2os builds from sdists only, never from prebuilt wheels)`;
  else why = `its source distributions (${versions.slice(0, 12).join(', ')}${versions.length > 12 ? ', …' : ''}) do not satisfy "${req.specifier || 'any version'}" for Python ${options.pythonFullVersion}, or are yanked`;
  return new IndexError('NO_MATCHING_DISTRIBUTION', `No source distribution of "${req.name}" can be built: ${why}.`, {
    hint: 'Relax the version specifier, choose another --target, or check that the index carries the sdist.',
  });
}
