/**
 * Signing rpms: `rpmsign --addsign` with %__gpg_sign_cmd pointing at
 * bin/pkg2os-rpm-sign, which hands each header over a private Unix socket to
 * the signer in this process. rpmsign never sees the key or the passphrase.
 * One rpmsign per core, each with its share of the files: rpm starts the
 * helper once per package, and that, not the signature, is most of the cost.
 */
import { cpus } from 'node:os';
import { PublishError } from '../../../errors.js';
import { run } from '../../../exec.js';
import { startSignServer } from '../../../coordinator/keys/sign-server.js';
import type { Signer } from '../../../coordinator/keys/signer.js';
import { shipped } from '../../../paths.js';

export async function signRpms(files: readonly string[], signer: Signer): Promise<void> {
  const server = await startSignServer(signer);
  try {
    const helper = shipped('bin', 'pkg2os-rpm-sign');
    const lanes = Math.max(1, Math.min(cpus().length, Math.ceil(files.length / 4)));
    const shares = Array.from({ length: lanes }, (_, lane) => files.filter((_, k) => k % lanes === lane));
    // rpm execs the command itself: the helper's absolute path first.
    await Promise.all(
      shares.map((share) =>
        run('rpmsign', ['--addsign', '--define', `_gpg_name ${signer.fingerprint}`, '--define', `__gpg_sign_cmd ${helper} pkg2os-rpm-sign %{__signature_filename}`, ...share], {
          env: server.env,
          purpose: 'signing the rpms',
          phase: 'publish',
        }),
      ),
    );
    if (server.count() < files.length) throw new PublishError('PUBLISH_FAILED', `rpmsign asked for ${server.count()} signatures for ${files.length} packages.`);
  } finally {
    await server.close();
  }
}
