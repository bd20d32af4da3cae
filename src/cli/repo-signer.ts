/** The organization's signing key for `publish` and `build --repo`: named and checked before a build, loaded only to sign. */
import type { FileConfig } from '../config/config.js';
import type { RepoFlags } from '../config/repo-settings.js';
import { loadSigningKey, signingKeyPath } from '../coordinator/keys/signing-key.js';
import { OpenPgpSigner, type Signer } from '../coordinator/keys/signer.js';

export async function loadSigner(flags: RepoFlags, config: FileConfig): Promise<Signer> {
  return new OpenPgpSigner(await loadSigningKey({ keyFile: flags.key ?? config['signing-key'] }));
}

/** Before a build that will publish: the signing key is named and readable (it is not parsed or unlocked yet). */
export async function checkSigningKeyFile(flags: RepoFlags, config: FileConfig): Promise<string> {
  return signingKeyPath({ keyFile: flags.key ?? config['signing-key'] });
}
