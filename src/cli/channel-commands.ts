/**
 * Day-2 operations on a repository's channels: `pkg2os snapshots list|show`,
 * `pkg2os promote --from A --to B [--snapshot ID] [--only P,…]` and
 * `pkg2os rollback CHANNEL [--to SNAPSHOT]` (README.md, "Channels").
 */
import type { Command } from 'commander';
import type { RepoFlags } from '../config/repo-settings.js';
import { ConfigError } from '../errors.js';
import { addRepoOptions } from './repo-options.js';
import { collect } from './list-option.js';
import { reporting, stderrLogger } from './output.js';
import { out, outJson } from './terminal.js';

interface ChannelFlags extends RepoFlags {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

async function settingsOf(flags: ChannelFlags) {
  const [{ loadConfig }, { repoSettings }] = await Promise.all([import('../config/config.js'), import('./repo-settings.js')]);
  const config = await loadConfig(flags.config);
  return { config, settings: repoSettings(flags, config, []) };
}

async function signerOf(flags: ChannelFlags, config: Awaited<ReturnType<typeof settingsOf>>['config']) {
  return (await import('./repo-signer.js')).loadSigner(flags, config);
}

export function registerChannels(program: Command): void {
  const snapshots = program.command('snapshots').description('the snapshots of a repository\'s channels: what each served, when, and what changed');
  snapshots
    .command('list')
    .description('list the snapshots kept, per channel, oldest first')
    .option('--repo <dir>', 'the repository root (default: repo: in pkg2os.config.yaml)')
    .option('--channel <name>', 'only this channel')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print JSON')
    .action(
      reporting(async (flags: ChannelFlags & { channel?: string }) => {
        const { settings } = await settingsOf({ ...flags, channel: undefined });
        const { Snapshots } = await import('../coordinator/publish/snapshots.js');
        const { checkChannel } = await import('../coordinator/publish/channels.js');
        const list = await new Snapshots(settings.root).list(flags.channel ? checkChannel(flags.channel) : undefined);
        if (flags.json) return outJson({ repository: settings.root, snapshots: list.map(({ files, ...s }) => ({ ...s, files: files.length })) });
        if (list.length === 0) return out(`no snapshot is kept in ${settings.root}\n`);
        for (const s of list) out(`${s.id}\t${s.time}\t${s.via.op}${s.via.from ? ` from ${s.via.from}` : ''}${s.via.snapshot ? ` (${s.via.snapshot})` : ''}\t${s.files.length} file(s), +${s.changes.added.length} −${s.changes.removed.length}\n`);
      }),
    );
  snapshots
    .command('show')
    .description('show one snapshot: every file it lists (with its sha256) and what changed against the one before')
    .argument('<id>', 'the snapshot (e.g. testing-3)')
    .option('--repo <dir>', 'the repository root (default: repo: in pkg2os.config.yaml)')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print JSON')
    .action(
      reporting(async (id: string, flags: ChannelFlags) => {
        const { settings } = await settingsOf({ ...flags, channel: undefined });
        const { Snapshots } = await import('../coordinator/publish/snapshots.js');
        const snapshot = await new Snapshots(settings.root).get(id);
        if (!snapshot) throw new ConfigError('USAGE', `${settings.root} has no snapshot ${id}.`, { hint: 'pkg2os snapshots list shows the snapshots kept.' });
        if (flags.json) return outJson(snapshot);
        const lines = [`${snapshot.id}: channel ${snapshot.channel}, ${snapshot.time}, by ${snapshot.via.op}${snapshot.via.from ? ` from ${snapshot.via.from}` : ''}${snapshot.via.snapshot ? ` (${snapshot.via.snapshot})` : ''}`];
        for (const f of snapshot.files) lines.push(`  ${f.target}\t${f.name} ${f.version} (${f.arch})\t${f.file}\tsha256 ${f.sha256}`);
        for (const f of snapshot.changes.added) lines.push(`  + ${f}`);
        for (const f of snapshot.changes.removed) lines.push(`  - ${f}`);
        out(`${lines.join('\n')}\n`);
      }),
    );

  const promote = program
    .command('promote')
    .description('make a channel serve exactly what another serves (or a snapshot of it): the same files, the same sha256, freshly signed indices; no rebuild')
    .requiredOption('--from <channel>', 'the channel promoted from')
    .requiredOption('--to <channel>', 'the channel promoted to')
    .option('--snapshot <id>', 'a snapshot of --from (default: its latest)')
    .option('--only <projects>', 'only these projects\' packages (comma-separated; the others of --to stay as they are)', collect)
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print the summary as JSON')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(promote, true, { channel: false }).action(
    reporting(async (flags: ChannelFlags & { from: string; to: string; snapshot?: string; only?: string[] }) => {
      const { config, settings } = await settingsOf({ ...flags, channel: undefined });
      const [{ promote: run }, signer] = await Promise.all([import('../coordinator/repositories/promote.js'), signerOf(flags, config)]);
      const summary = await run({ settings, signer, logger: stderrLogger(flags.verbose ?? false), replaceKey: flags.replaceKey, from: flags.from, to: flags.to, snapshot: flags.snapshot, only: flags.only });
      if (flags.json) outJson(summary);
      else out(`channel ${flags.to} now serves what ${flags.from} served${summary.snapshot ? ` (snapshot ${String(summary.snapshot)})` : ' (it already did)'}\n`);
    }),
  );

  const rollback = program
    .command('rollback')
    .description('return a channel to an earlier snapshot of its own, in one atomic switch')
    .argument('<channel>', 'the channel ("default" for the repository\'s original suites and directories)')
    .option('--to <snapshot>', 'the snapshot to return to (default: the one before the latest)')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print the summary as JSON')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(rollback, true, { channel: false }).action(
    reporting(async (channel: string, flags: ChannelFlags & { to?: string }) => {
      const { config, settings } = await settingsOf({ ...flags, channel: undefined });
      const [{ rollback: run }, signer] = await Promise.all([import('../coordinator/repositories/promote.js'), signerOf(flags, config)]);
      const summary = await run({ settings, signer, logger: stderrLogger(flags.verbose ?? false), replaceKey: flags.replaceKey, channel, to: flags.to });
      if (flags.json) outJson(summary);
      else out(`channel ${channel} is back at ${flags.to ?? 'its previous snapshot'}${summary.snapshot ? ` (now snapshot ${String(summary.snapshot)})` : ''}\n`);
    }),
  );
}
