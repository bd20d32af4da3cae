/**
 * `pkg2os roots list` and `pkg2os roots update`: the build roots of the
 * targets (README.md, "Targets and build roots"). A made root is kept under
 * the cache directory and made again from its archive by `update`, e.g. from
 * a weekly job, so that compiled packages build against the distribution's
 * current state (and get a new release when it changed).
 */
import { out } from './terminal.js';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultCacheDir } from '../config/default-dirs.js';
import { TARGETS, type TargetProfile, getTarget } from '../config/targets.js';
import type { BuildRoots } from '../families/build-roots.js';
import { reporting, stderrLogger } from './output.js';
import { collect } from './list-option.js';

interface RootsFlags {
  target?: string[];
  config?: string;
  cacheDir?: string;
}


/** The configuration, the targets asked about and their roots (loaded only when a roots command runs). */
async function rootsOf(flags: RootsFlags) {
  const { loadConfig } = await import('../config/config.js');
  const [{ BuildRoots }, { familyOf }] = await Promise.all([import('../families/build-roots.js'), import('../families/registry.js')]);
  const rootRecipe = (target: TargetProfile, setting: Parameters<ReturnType<typeof familyOf>['rootRecipe']>[1]) => familyOf(target).rootRecipe(target, setting);
  const config = await loadConfig(flags.config);
  const dir = resolve(flags.cacheDir ?? config['cache-dir'] ?? defaultCacheDir());
  const targets = (flags.target ?? config.targets ?? Object.keys(TARGETS)).map(getTarget);
  return { config, rootRecipe, familyOf, roots: new BuildRoots({ dir, settings: config.roots, logger: stderrLogger(false) }) as BuildRoots, targets: targets as TargetProfile[] };
}

export function registerRoots(program: Command): Command {
  const roots = program.command('roots').description('the build roots of the targets: where compiled code is built for each distribution release');
  const common = (command: Command) =>
    command
      .option('--target <name>', 'only these targets, repeatable or comma-separated (default: the config\'s targets, else every known one)', collect)
      .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
      .option('--cache-dir <dir>', 'where made roots are kept (env PKG2OS_CACHE_DIR; default ~/.cache/pkg2os)');
  common(roots.command('list').description('say, for each target, which root its builds use'))
    .action(
      reporting(async (flags: RootsFlags) => {
        const { config, rootRecipe, familyOf, roots: made, targets } = await rootsOf(flags);
        for (const target of targets) {
          const setting = config.roots?.[target.name];
          const recipe = setting?.path ? undefined : rootRecipe(target, setting);
          let line: string;
          if (setting?.path) line = `the directory ${resolve(setting.path)} (configured)`;
          else {
            const root = await made.peek(target);
            if (root?.kind === 'host') line = 'this host\'s own root';
            else if (root) line = `${root.path}, made ${describeStamp(await readFile(join(root.path, '.pkg2os-root'), 'utf8').catch(() => '{}'))}`;
            else line = recipe ? 'none made yet' : `none (${familyOf(target).rootHint(target)}); pure Python builds on this host`;
          }
          out(`${target.name.padEnd(13)} ${line}\n`);
        }
      }),
    );
  common(roots.command('update').description('make the targets\' roots again from their archives now (roots given as a path are left alone), and read their whole releases again (what names and files are checked against)'))
    .option('--state-dir <dir>', 'where what pkg2os learns of the target releases is kept (env PKG2OS_STATE_DIR; default /var/lib/pkg2os as root)')
    .action(
      reporting(async (flags: RootsFlags & { stateDir?: string }) => {
        const { config, rootRecipe, familyOf, roots: made, targets } = await rootsOf(flags);
        const { defaultStateDir } = await import('../config/default-dirs.js');
        const stateDir = resolve(flags.stateDir ?? config['state-dir'] ?? defaultStateDir());
        for (const target of targets) {
          const setting = config.roots?.[target.name];
          const release = await familyOf(target).releaseData(target, setting, stateDir, true).catch((error: Error) => {
            out(`${target.name.padEnd(13)} its release cannot be read: ${error.message}\n`);
            return undefined;
          });
          if (release) out(`${target.name.padEnd(13)} release read: ${release.source} (${Object.keys(release.packages).length} package names, ${Object.keys(release.pythonDists).length} Python projects)\n`);
          if (setting?.path) {
            out(`${target.name.padEnd(13)} left alone: ${resolve(setting.path)} is configured\n`);
            continue;
          }
          const root = await made.peek(target);
          if (root?.kind === 'host') {
            out(`${target.name.padEnd(13)} this host's own root (update it with apt)\n`);
            continue;
          }
          if (!rootRecipe(target, setting)) {
            out(`${target.name.padEnd(13)} pkg2os cannot make one (${familyOf(target).rootHint(target)})\n`);
            continue;
          }
          const updated = await made.update(target);
          out(`${target.name.padEnd(13)} ${updated?.kind === 'dir' ? updated.path : 'host'}\n`);
        }
      }),
    );
  return roots;
}

function describeStamp(text: string): string {
  const stamp = JSON.parse(text) as { mirror?: string; suite?: string; release?: string; repos?: string[]; made?: string };
  return stamp.mirror ? `from ${stamp.mirror} ${stamp.suite} (Release of ${stamp.release ?? 'unknown date'})` : stamp.repos ? `from ${stamp.repos.join(', ')} on ${stamp.made}` : 'by hand';
}
