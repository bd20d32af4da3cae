/** `pkg2os publish --repo DIR [packages…] [--from DIR…]`: its options (what it does is in publish-run.ts). */
import type { Command } from 'commander';
import type { RepoFlags } from '../config/repo-settings.js';
import { addRepoOptions } from './repo-options.js';
import { nonEmpty } from './list-option.js';

export interface PublishFlags extends RepoFlags {
  from?: string[];
  target?: string;
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

export function registerPublish(program: Command): void {
  const command = program
    .command('publish')
    .description('add packages to a signed apt and yum repository and (re)generate its metadata')
    .argument('[packages...]', '.deb and .rpm files to add')
    .option('--from <dir>', 'add every package in <dir>/deb and <dir>/rpm (a build\'s --out), repeatable', (v: string, p: string[] = []) => [...p, v])
    .option('--target <name>', 'the target of packages whose release carries none (pkg2os\'s own name the target: 1~deb12, 1.el9)', nonEmpty)
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print the summary as JSON')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(command, true).action(async (files: string[], flags: PublishFlags) => {
    process.exitCode = await (await import('./publish-run.js')).runPublish(files, flags);
  });
}
