/** Options shared by `publish` and `build --repo`: where the repository is, how it is named and signed. */
import type { Command } from 'commander';
import { DEFAULT_KEEP_VERSIONS } from '../config/defaults.js';

export function addRepoOptions(command: Command, repoRequired: boolean, options: { channel?: boolean } = {}): Command {
  const withChannel = (c: Command) =>
    options.channel === false ? c : c.option('--channel <name>', 'the channel to publish to: its own apt suites (<codename>-<name>) and yum repositories (rpm/<target>-<name>/); default: the repository\'s original ones; config channel:');
  return withChannel(command)
    .option('--keep-snapshots <n>', 'snapshots kept per channel, and every pool file they name (default 10; 0 keeps all); config keep-snapshots:')
    .option('--repo <dir>', repoRequired ? 'repository root (deb/, rpm/, KEY.asc, …)' : 'publish what was built to this repository root')
    .option('--key <file>', 'the organization\'s armored private signing key (env PKG2OS_SIGNING_KEY); passphrase from PKG2OS_KEY_PASSPHRASE or PKG2OS_KEY_PASSPHRASE_FILE')
    .option('--base-url <url>', 'where clients reach the repository root; writes the client files of each target (pkg2os-<target>.sources and .pref, or .repo)')
    .option('--codename <name>', 'rename the apt suite of the one Debian-family target (default: each target\'s own, e.g. bookworm)')
    .option('--origin <text>', 'apt Origin and client file names (default: the signing key\'s user ID name)')
    .option('--label <text>', 'apt Label and yum repository name (default: the Origin)')
    .option('--arch <list>', 'apt architectures, comma-separated (default: this machine\'s, e.g. amd64)')
    .option('--valid-for <duration>', 'how long a Release stays valid for apt (default 14d)')
    .option('--retention <duration>', 'how long superseded by-hash indices, yum metadata and retired package files stay (default 2d)')
    .option('--keep-versions <n>', `versions of each package the indices list, newest first; 0 keeps all (default ${DEFAULT_KEEP_VERSIONS})`)
    .option('--replace-key', 'allow signing with a key other than the one the repository has')
    .option('--templates-dir <dir>', 'templates that override pkg2os\'s own, file by file (e.g. deb/control.hbs, repo/target.sources.hbs); config templates-dir:');
}
