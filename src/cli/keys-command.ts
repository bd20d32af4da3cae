/** `pkg2os keys add|list`: the upstream keys pinned per project. */
import type { Command } from 'commander';
import { normalizeName } from '../pep/names.js';
import { TrustStore, defaultKeysDir } from '../verify/trust-store.js';
import { reportError } from './output.js';

export function registerKeys(program: Command): Command {
  const keys = program.command('keys').description('manage OpenPGP keys: upstream keys pinned per project');
  keys
    .command('add')
    .description('pin the public key(s) in a file for a project')
    .argument('<project>', 'the Python project the key signs releases of')
    .argument('<key.asc>', 'armored or binary public key file')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .action(async (project: string, file: string, flags: { keysDir?: string }) => {
      try {
        const store = new TrustStore(flags.keysDir ?? defaultKeysDir());
        const name = normalizeName(project);
        for (const key of await store.add(name, file)) {
          process.stdout.write(`pinned for ${name}: ${key.fingerprint} ${key.userIds.join(', ')} (${key.algorithm}, expires ${key.expires ?? 'never'})\n`);
        }
        process.stdout.write(`Check that fingerprint against one upstream publishes through a channel you trust.\n`);
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
  keys
    .command('list')
    .description('list the pinned upstream keys')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--json', 'print JSON')
    .action(async (flags: { keysDir?: string; json?: boolean }) => {
      try {
        const store = new TrustStore(flags.keysDir ?? defaultKeysDir());
        const list = await store.list();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          return;
        }
        if (list.length === 0) process.stdout.write(`no keys are pinned in ${store.dir}\n`);
        for (const { project, key } of list) {
          const state = key.revoked ? 'REVOKED' : key.expires && new Date(key.expires) < new Date() ? `expired ${key.expires}` : `expires ${key.expires ?? 'never'}`;
          process.stdout.write(`${project}\t${key.fingerprint}\t${key.userIds[0] ?? ''}\t${key.algorithm}\t${state}\n`);
        }
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
  return keys;
}
