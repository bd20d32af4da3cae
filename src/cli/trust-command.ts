/**
 * `pkg2os trust add|list|update`: the Trusted Publishers pinned per project
 * (whose PEP 740 attestations pkg2os accepts) and the Sigstore trusted root
 * their certificates and log entries are checked against.
 */
import { out, outJson } from './terminal.js';
import type { Command } from 'commander';
import { defaultKeysDir } from '../config/default-dirs.js';
import { SIGSTORE_TUF_URL } from '../config/defaults.js';
import { normalizeName } from '../pep/names.js';
import { reporting } from './output.js';

const KEYS_DIR = 'pinned keys and publishers (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)';

export function registerTrust(program: Command): Command {
  const trust = program.command('trust').description('PEP 740: the Trusted Publishers pinned per project, and the Sigstore trusted root');
  trust
    .command('add')
    .description('pin a Trusted Publisher for a project: its attestations are then accepted, and no others')
    .argument('<project>', 'the Python project')
    .argument('<publisher>', 'github:OWNER/REPO:WORKFLOW.yml, gitlab:NAMESPACE/PROJECT:PATH.yml or google:EMAIL (as the project\'s PyPI page shows it)')
    .option('--keys-dir <dir>', KEYS_DIR)
    .action(
      reporting(async (project: string, spec: string, flags: { keysDir?: string }) => {
        const name = normalizeName(project);
        const { TrustStore } = await import('../coordinator/verify/trust-store.js');
        const publisher = await new TrustStore(flags.keysDir ?? defaultKeysDir()).addPublisher(name, spec);
        out(`pinned for ${name}: ${publisher}\nCheck it against the project's PyPI page or its maintainers: only its attestations will be accepted.\n`);
      }),
    );
  trust
    .command('list')
    .description('list the pinned Trusted Publishers and the trusted root in use')
    .option('--keys-dir <dir>', KEYS_DIR)
    .option('--json', 'print JSON')
    .action(
      reporting(async (flags: { keysDir?: string; json?: boolean }) => {
        const dir = flags.keysDir ?? defaultKeysDir();
        const { TrustStore } = await import('../coordinator/verify/trust-store.js');
        const { loadTrustedRoot } = await import('../coordinator/verify/trusted-root.js');
        const publishers = await new TrustStore(dir).listPublishers();
        const root = await loadTrustedRoot(dir);
        if (flags.json) {
          outJson({ publishers, trustedRoot: { sha256: root.sha256, source: root.source } });
          return;
        }
        if (publishers.length === 0) out(`no Trusted Publishers are pinned in ${dir}\n`);
        for (const { project, publisher } of publishers) out(`${project}\t${publisher}\n`);
        out(`trusted root: ${root.source} (sha256 ${root.sha256})\n`);
      }),
    );
  trust
    .command('update')
    .description('fetch Sigstore\'s current trusted root through TUF (checked from the root of trust pkg2os ships) and use it from now on')
    .option('--keys-dir <dir>', KEYS_DIR)
    .option('--mirror <url>', 'the TUF repository', SIGSTORE_TUF_URL)
    .action(
      reporting(async (flags: { keysDir?: string; mirror: string }) => {
        const { updateTrustedRoot } = await import('../coordinator/verify/trusted-root.js');
        const root = await updateTrustedRoot(flags.keysDir ?? defaultKeysDir(), flags.mirror);
        out(`trusted root: ${root.source} (sha256 ${root.sha256})\n`);
      }),
    );
  return trust;
}
