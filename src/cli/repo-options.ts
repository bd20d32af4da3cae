/** Options shared by `publish` and `build --repo`: where the repository is, how it is named and signed. */
import type { Command } from 'commander';
import type { FileConfig } from '../config/config.js';
import { DEFAULT_KEEP_VERSIONS, type RepoFlags } from '../config/repo-settings.js';
import { machineArch } from '../config/targets.js';
import { loadSigningKey, signingKeyPath } from '../keys/signing-key.js';
import { OpenPgpSigner, type Signer } from '../keys/signer.js';

export function addRepoOptions(command: Command, repoRequired: boolean): Command {
  return command
    .option('--repo <dir>', repoRequired ? 'repository root (deb/, rpm/, KEY.asc, …)' : 'publish what was built to this repository root')
    .option('--key <file>', 'the organization\'s armored private signing key (env PKG2OS_SIGNING_KEY); passphrase from PKG2OS_KEY_PASSPHRASE or PKG2OS_KEY_PASSPHRASE_FILE')
    .option('--base-url <url>', 'where clients reach the repository root; writes pkg2os.sources and pkg2os.repo')
    .option('--codename <name>', 'apt suite/codename (default: the target\'s, e.g. bookworm)')
    .option('--origin <text>', 'apt Origin (default pkg2os)')
    .option('--label <text>', 'apt Label and yum repository name (default pkg2os)')
    .option('--arch <list>', `apt architectures, comma-separated (default ${machineArch('deb')})`)
    .option('--valid-for <duration>', 'how long a Release stays valid for apt (default 14d)')
    .option('--retention <duration>', 'how long superseded by-hash indices, yum metadata and retired package files stay (default 2d)')
    .option('--keep-versions <n>', `versions of each package the indices list, newest first; 0 keeps all (default ${DEFAULT_KEEP_VERSIONS})`)
    .option('--replace-key', 'allow signing with a key other than the one the repository has');
}

export async function loadSigner(flags: RepoFlags, config: FileConfig): Promise<Signer> {
  return new OpenPgpSigner(await loadSigningKey({ keyFile: flags.key ?? config['signing-key'] }));
}

/** Before a build that will publish: the signing key is named and readable (it is not parsed or unlocked yet). */
export async function checkSigningKeyFile(flags: RepoFlags, config: FileConfig): Promise<string> {
  return signingKeyPath({ keyFile: flags.key ?? config['signing-key'] });
}
