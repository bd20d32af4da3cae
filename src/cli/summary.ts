/** What the CLI prints at the end of a build: failures with their tools' last lines, the summary, the plan. */
import { join } from 'node:path';
import type { RepositoryKind } from '../coordinator/publish/repository-kind.js';
import type { RepoSettings } from '../config/repo-settings.js';
import type { Logger } from '../log.js';
import type { BuildReport, PlanReport } from '../coordinator/pipeline/report.js';

/** One line per package file, per provided package and per failure (with the tool's last lines and the log). */
export function reportOutcome(report: BuildReport, outDir: string, logger: Logger): void {
  for (const p of report.packages) for (const f of p.packages) logger.info(`${f.format}: ${outDir}/${f.file}`);
  for (const p of report.provided) logger.info(`${p.project} (${p.target}, ${p.format}): provided by the distribution's ${p.package}`);
  for (const f of report.failures) {
    const label = `FAILED ${f.project}${f.version ? ` ${f.version}` : ''} (${f.target})`;
    const detail = f.detail ? `\nIts last lines of output:\n${f.detail}` : '';
    const log = f.log && !f.message.includes(join(outDir, f.log)) ? `\nFull log: ${join(outDir, f.log)}` : '';
    logger.warn(`${label}: ${f.message}${detail}${f.code === 'DEPENDENCY_FAILED' ? '' : log}`);
  }
}

/** The closing summary: what was built, reused, failed and published, and where it all is. */
export function formatSummary(report: BuildReport, outDir: string, repo: RepoSettings | undefined, kinds: readonly RepositoryKind[] = []): string {
  const { built, reused, failed } = report.summary;
  const lines = [`pkg2os: summary: ${built} package file(s) built, ${reused} reused from the cache, ${failed} failed.`];
  for (const f of report.failures) lines.push(`pkg2os:   failed: ${f.project}${f.version ? ` ${f.version}` : ''} (${f.target}): ${f.code}${f.becauseOf ? ` (because ${f.becauseOf} failed)` : ''}`);
  lines.push(`pkg2os:   packages and report: ${outDir} (report.json, build logs in logs/)`);
  const published = report.published;
  if (published && repo) {
    const parts: string[] = [];
    for (const kind of kinds) for (const s of ((published as Record<string, unknown>)[kind.name] as unknown[] | undefined) ?? []) parts.push(kind.describe(s));
    lines.push(`pkg2os:   published: ${parts.join('; ')}, signed by ${published.fingerprint}`);
    lines.push(`pkg2os:   repository: ${repo.baseUrl ?? published.root} (${kinds.map((k) => `${k.name}: ${published.root}/${k.dir}`).join('; ')}; client files: pkg2os-<target>.*)`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as a person reads it. */
export function formatPlan(plan: PlanReport): string {
  const lines = ['pkg2os plan (nothing is built with --dry-run):'];
  for (const item of plan.plan) {
    const provided = Object.entries(item.providedBy).map(([f, p]) => `${f}: provided by ${p}`);
    const what = item.file ? `${item.project} ${item.version} from ${item.file} → ${item.formats.join(', ')}` : item.project;
    lines.push(`  ${item.target}  ${what}${provided.length ? ` (${provided.join('; ')})` : ''}`);
    if (item.requiredBy.length > 1) lines.push(`      required by: ${item.requiredBy.join(' → ')}`);
  }
  for (const f of plan.failures) lines.push(`  ${f.target}  ${f.project}: FAILS: ${f.message}`);
  return `${lines.join('\n')}\n`;
}
