/** What `pkg2os publish` does: add packages and (re)generate signed repository metadata. */
import { outJson } from './terminal.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { fileDigest } from '../digest.js';
import type { BuildRecord } from '../coordinator/pipeline/records.js';
import type { RecordText } from '../coordinator/publish/records-dir.js';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { getTarget } from '../config/targets.js';
import { ConfigError } from '../errors.js';
import { lapSinceStart } from '../log.js';
import { reportError, stderrLogger } from './output.js';
import { repoSettings } from './repo-settings.js';
import type { PublishFlags } from './publish-command.js';

export async function runPublish(files: string[], flags: PublishFlags): Promise<number> {
  const logger = stderrLogger(flags.verbose ?? false);
  const lap = lapSinceStart(logger);
  try {
    const config = await loadConfig(flags.config);
    const target = flags.target ? getTarget(flags.target) : undefined;
    const settings = repoSettings(flags, config, target ? [target] : []);
    const packages = await collectPackages(files, flags.from ?? []);
    const [{ publishRepository, readEarly }, { loadSigner }] = await Promise.all([import('../coordinator/repositories/publish.js'), import('./repo-signer.js')]);
    lap('configuration read');
    // The files are read (in child processes) while the signing key is unlocked; a failure waits its turn.
    const early = readEarly(packages);
    const [signer, records] = await Promise.all([loadSigner(flags, config), recordsOfBuilds(flags.from ?? [], packages)]);
    lap('signing key loaded, build records read');
    const summary = await publishRepository({ settings, files: packages, signer, logger, replaceKey: flags.replaceKey, defaultTarget: target, records, early });
    if (flags.json) outJson(summary);
    else logger.info(`published ${settings.root} (signed by ${signer.fingerprint})`);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

/** Package files named directly, or found in the package folders of a build output (<dir>/deb, <dir>/rpm). */
export async function collectPackages(files: string[], fromDirs: string[]): Promise<string[]> {
  const { kindFor, REPOSITORY_KINDS } = await import('../coordinator/repositories/registry.js');
  const out: string[] = [];
  const take = (path: string) => {
    if (!kindFor(path)) throw new ConfigError('USAGE', `${path} is not a package file pkg2os publishes (${REPOSITORY_KINDS.map((k) => `.${k.dir}`).join(', ')}).`);
    out.push(resolve(path));
  };
  for (const file of files) {
    if (!(await stat(file).catch(() => undefined))?.isFile()) throw new ConfigError('USAGE', `${file} does not exist.`);
    take(file);
  }
  for (const dir of fromDirs) {
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new ConfigError('USAGE', `--from ${dir} is not a directory.`);
    for (const kind of REPOSITORY_KINDS) for (const f of await readdir(join(dir, kind.dir)).catch(() => [] as string[])) if (kindFor(f) === kind) take(join(dir, kind.dir, f));
  }
  return out;
}

/**
 * The build records of the files published from build outputs (`--from DIR`
 * with its report.json), each kept only for a file whose bytes are the ones
 * the report names.
 */
async function recordsOfBuilds(fromDirs: string[], files: string[]): Promise<RecordText[]> {
  const reports = (await Promise.all(fromDirs.map(async (dir) => ({ dir, text: await readFile(join(dir, 'report.json'), 'utf8').catch(() => undefined) })))).filter((r) => r.text !== undefined);
  if (reports.length === 0) return [];
  // The report schema is loaded only when there is a report to read.
  const [{ recordTexts, recordsFromReport }, { buildReportSchema }] = await Promise.all([import('../coordinator/pipeline/records.js'), import('../coordinator/pipeline/report.js')]);
  const wanted = new Set(files);
  const records = new Map<string, BuildRecord>();
  for (const { dir, text } of reports) {
    const parsed = buildReportSchema.safeParse(JSON.parse(text!));
    if (!parsed?.success) continue;
    for (const [path, record] of recordsFromReport(parsed.data, resolve(dir), new Date())) {
      if (wanted.has(path) && (await fileDigest(path).catch(() => undefined)) === record.file.sha256) records.set(path, record);
    }
  }
  return recordTexts(records);
}

