/**
 * `pkg2os verify-build <package> --repo DIR`: build a published package again
 * from its build record — here, or through the build farm (--queue) — and
 * compare: exit 0 when the rebuild is the same package, exit 3 naming the
 * paths that differ. A nightly can run it over a sample of the repository.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ConfigError, IntegrityError } from '../errors.js';
import type { VerifyBuildReport } from '../coordinator/pipeline/verify-build.js';
import type { BuildFlags } from './build-options.js';
import { nonEmpty } from './list-option.js';
import { reporting, stderrLogger } from './output.js';
import { out, outJson } from './terminal.js';

interface VerifyBuildFlags {
  repo?: string;
  target?: string;
  version?: string;
  indexUrl?: string;
  allowInsecureIndex?: boolean;
  config?: string;
  keysDir?: string;
  recipesDir?: string[];
  templatesDir?: string;
  queue?: string;
  store?: string;
  agree?: string;
  allowOpenQueue?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export function registerVerifyBuild(program: Command): void {
  program
    .command('verify-build')
    .description('build a published package again from its build record and compare the bytes: exit 0 when identical, 3 naming what differs')
    .argument('<package>', 'the distribution package (python3-django) or the project (django), as pkg2os explain takes it')
    .option('--repo <dir>', 'the repository root (default: repo: in pkg2os.config.yaml)')
    .option('--target <name>', 'only its package for this target', nonEmpty)
    .option('--version <version>', 'only this version (upstream or distribution)')
    .option('--index-url <url>', 'the index to fetch the upstream file from (default: as pkg2os build); its bytes must be the recorded ones')
    .option('--allow-insecure-index', 'allow plain http for a non-loopback index')
    .option('--config <file>', 'configuration file: roots, recipes, templates, farm (default ./pkg2os.config.yaml if present)')
    .option('--keys-dir <dir>', 'pinned upstream keys, Trusted Publishers and farm workers')
    .option('--recipes-dir <dir>', 'recipes, as the build had them (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--templates-dir <dir>', 'templates, as the build had them')
    .option('--queue <url>', 'rebuild the wheel on the build farm (its Redis)')
    .option('--store <dir>', 'the build farm\'s artifact store')
    .option('--agree <n>', 'through the farm: this many distinct pinned workers must build it alike')
    .option('--allow-open-queue', 'allow a queue on another host that takes no password')
    .option('--json', 'print the comparison as JSON')
    .option('-v, --verbose', 'more log lines')
    .action(
      reporting(async (query: string, flags: VerifyBuildFlags) => {
        const [{ loadConfig }, { verifyBuilds }, { buildRequestFrom }] = await Promise.all([import('../config/config.js'), import('../coordinator/pipeline/verify-build.js'), import('./build-options.js')]);
        const config = await loadConfig(flags.config);
        const root = flags.repo ?? config.repo;
        if (!root) throw new ConfigError('USAGE', 'No repository was given.', { hint: 'Pass --repo DIR (or set repo: in pkg2os.config.yaml).' });
        const logger = stderrLogger(flags.verbose ?? false);
        const report = await verifyBuilds(resolve(root), query, { target: flags.target, version: flags.version }, (spec) => {
          const buildFlags: BuildFlags = {
            ...flags,
            repo: undefined,
            target: [spec.target],
            format: spec.format,
            maintainer: spec.maintainer,
            release: String(spec.release),
            deps: false,
            lockfile: false,
            cache: false,
            out: spec.outDir,
          };
          const { request } = buildRequestFrom([spec.requirement], buildFlags, config, logger);
          request.buildPins = spec.pins;
          request.hidden = [resolve(root), request.keysDir, spec.outDir, ...(flags.config ? [resolve(flags.config)] : [])];
          return request;
        });
        if (flags.json) outJson(report);
        else out(formatChecks(report));
        const failed = report.checks.filter((c) => !c.identical);
        if (failed.length) {
          throw new IntegrityError('NOT_REPRODUCED', `${failed.length} of ${report.checks.length} published file(s) are not what their build records make: ${failed.map((c) => `${c.file} (${c.how}${c.differing.length ? `: ${c.differing.slice(0, 10).join(', ')}${c.differing.length > 10 ? ', …' : ''}` : ''}${c.note ? `; ${c.note}` : ''})`).join('; ')}.`, {
            hint: 'A published package that its own inputs do not make again was built elsewhere or altered: find out where it came from (pkg2os explain) before clients install more of it.',
          });
        }
      }),
    );
}

function formatChecks(report: VerifyBuildReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${c.file} (${c.project} ${c.version}, ${c.target}): ${c.identical ? 'REPRODUCED' : 'DIFFERS'} — ${c.how}`);
    for (const path of c.differing.slice(0, 50)) lines.push(`  differs: ${path}`);
    if (c.differing.length > 50) lines.push(`  … and ${c.differing.length - 50} more`);
    lines.push(`  inputs: recorded ${c.inputs.recorded}, rebuilt ${c.inputs.rebuilt ?? '—'}`);
    if (c.note) lines.push(`  note: ${c.note}`);
  }
  return `${lines.join('\n')}\n`;
}
