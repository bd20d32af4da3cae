/**
 * `pkg2os explain <package> [--repo DIR] [--target T] [--version V] [--json]`:
 * why we trust a published package, link by link, from the repository's own
 * records (README.md, "Why trust this package: pkg2os explain").
 */
import { out, outJson } from './terminal.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { ExplainReport } from '../coordinator/pipeline/explain.js';
import type { BuildRecord } from '../coordinator/pipeline/records.js';
import type { Check } from '../coordinator/verify/checks.js';
import { reporting } from './output.js';
import { nonEmpty } from './list-option.js';

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('show everything that stands behind a published package: upstream file, verdicts, publisher, build inputs, signed index')
    .argument('<package>', 'the distribution package (python3-django) or the project (django)')
    .option('--repo <dir>', 'the repository root (default: repo: in pkg2os.config.yaml)')
    .option('--target <name>', 'only this target', nonEmpty)
    .option('--version <version>', 'only this version (upstream or distribution)')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print JSON (schemas/explain.schema.json)')
    .action(
      reporting(async (query: string, flags: { repo?: string; target?: string; version?: string; config?: string; json?: boolean }) => {
        const { loadConfig } = await import('../config/config.js');
        const { explainPackage } = await import('../coordinator/pipeline/explain.js');
        const root = flags.repo ?? (await loadConfig(flags.config)).repo;
        if (!root) throw new ConfigError('USAGE', 'No repository was given.', { hint: 'Pass --repo DIR (or set repo: in pkg2os.config.yaml).' });
        const report = await explainPackage(resolve(root), query, { target: flags.target, version: flags.version });
        if (flags.json) outJson(report);
        else out(formatExplain(report));
      }),
    );
}

function check(c: Check): string {
  switch (c.kind) {
    case 'hash':
      return c.detail.source === 'cache' ? `pass: sha256 ${c.detail.sha256} (verified when first built; the index still publishes it)` : `pass: the index published ${c.detail.algorithm ?? 'sha256'} ${c.detail.expected ?? c.detail.sha256}, and the bytes have it`;
    case 'signature':
      return c.result === 'pass' ? `good, by ${c.detail.signer}${c.detail.userId ? ` (${c.detail.userId})` : ''}, made ${c.detail.signatureTime}; key pinned in ${c.detail.keySources.join(', ')}` : `not checked: ${c.detail.reason} (policy ${c.detail.policy})`;
    case 'provenance':
      return c.result === 'pass'
        ? `good: attested by ${c.detail.publisher} (pinned in ${c.detail.publisherSources.join(', ')}); repository ${c.detail.repository ?? '?'}, ref ${c.detail.ref ?? '?'}, commit ${c.detail.commit ?? '?'}; workflow ${c.detail.workflow ?? c.detail.identity}; Rekor log index ${c.detail.logIndex} at ${c.detail.integratedTime}; trusted root sha256 ${c.detail.trustedRoot.sha256}`
        : `not checked: ${c.detail.reason} (policy ${c.detail.policy})`;
    case 'lockfile':
      return `${c.detail.status} in ${c.detail.path}${c.detail.frozen ? ' (--frozen)' : ''}`;
  }
}

function upstreamLines(record: BuildRecord): string[] {
  const u = record.upstream;
  const lines = [
    `  built from   ${u.project} ${u.version}: ${u.sdist.filename}, sha256 ${u.sdist.sha256}, ${u.sdist.size} bytes`,
    `               ${u.sdist.url} (index ${record.indexUrl})`,
    ...u.verification.checks.map((c) => `  ${c.kind.padEnd(12)} ${check(c)}`),
    `  required by  ${u.requiredBy.join(' → ')}`,
  ];
  const build = u.build;
  if (build) {
    lines.push(`  build env    ${build.environment === 'distribution' ? 'the build root\'s distribution provided every build requirement' : `sha256 ${build.environment}`}`);
    for (const r of build.requirements) {
      const verdicts = (r.checks ?? []).filter((c) => c.kind !== 'hash').map((c) => `${c.kind} ${c.result}`).join(', ');
      lines.push(`    ${r.requirement}: ${r.project} ${r.version} from ${r.source}${r.sha256 ? `, sha256 ${r.sha256}` : ''}${verdicts ? ` (${verdicts})` : ''}${r.reason ? `: ${r.reason}` : ''}${r.note ? `; ${r.note}` : ''}`);
    }
  }
  lines.push(`  wheel built  ${u.builtBy?.length ? `by ${u.builtBy.map((w) => `${w.worker} (key ${w.key}, at ${w.host})`).join(' and ')}: pinned farm workers, each signing its result${u.builtBy.length > 1 ? ', byte for byte alike' : ''}` : 'here, by the coordinator'}`);
  lines.push(`  recipe       ${u.recipe ? `${u.recipe.file ?? 'none (pkg2os\'s defaults)'}, settings sha256 ${u.recipe.sha256}` : '(not recorded)'}`);
  const env = record.environment ? Object.entries(record.environment).map(([k, v]) => `${k} ${v}`).join(', ') : 'not recorded';
  lines.push(`  environment  ${env}`);
  lines.push(`  inputs       sha256 ${record.file.inputs} → release ${record.file.release}; built by pkg2os ${record.pkg2os}, published ${record.recordedAt}`);
  return lines;
}

export function formatExplain(report: ExplainReport): string {
  const out: string[] = [];
  for (const { listed, record } of report.packages) {
    out.push(`${listed.name} ${listed.version} (${listed.arch}) for ${listed.target}`);
    out.push(`  listed by    ${listed.index}, signed by ${listed.signedBy} (gpgv: good)`);
    out.push(`  file         ${listed.file}, sha256 ${listed.sha256}${listed.note ? ` (${listed.note})` : ''}`);
    if (record) out.push(...upstreamLines(record));
    else out.push('  build record none: this file was published without one (from files with no report.json); pkg2os cannot say what it was built from');
    out.push('');
  }
  return out.join('\n');
}
