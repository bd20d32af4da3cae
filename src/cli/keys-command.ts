/** `pkg2os keys add|list`: the upstream keys pinned per project. */
import { out, outJson } from './terminal.js';
import type { Command } from 'commander';
import { normalizeName } from '../pep/names.js';
import { defaultKeysDir } from '../config/default-dirs.js';
import { reporting } from './output.js';
import { ConfigError } from '../errors.js';
import { parseDuration } from '../config/duration.js';

export function registerKeys(program: Command): Command {
  const keys = program.command('keys').description('OpenPGP keys: the organization\'s signing key, and upstream keys pinned per project');
  keys
    .command('add')
    .description('pin the public key(s) in a file for a project')
    .argument('<project>', 'the Python project the key signs releases of')
    .argument('<key.asc>', 'armored or binary public key file')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .action(
      reporting(async (project: string, file: string, flags: { keysDir?: string }) => {
        const { TrustStore } = await import('../coordinator/verify/trust-store.js');
        const store = new TrustStore(flags.keysDir ?? defaultKeysDir());
        const name = normalizeName(project);
        for (const key of await store.add(name, file)) {
          out(`pinned for ${name}: ${key.fingerprint} ${key.userIds.join(', ')} (${key.algorithm}, expires ${key.expires ?? 'never'})\n`);
        }
        out(`Check that fingerprint against one upstream publishes through a channel you trust.\n`);
      }),
    );
  keys
    .command('generate')
    .description('make the organization\'s signing key (v4, SHA-512, with an expiry)')
    .requiredOption('--name <name>', 'user ID name, e.g. "Example Org Packages"')
    .requiredOption('--email <email>', 'user ID email')
    .requiredOption('--out <dir>', 'writes <dir>/private.asc (mode 0600) and <dir>/public.asc')
    .option('--type <type>', 'rsa4096 (default; RHEL 8 cannot verify EdDSA) or ed25519', 'rsa4096')
    .option('--expires <duration>', 'validity: a number and one unit, d (days), w (weeks) or y (years), e.g. 2y, 540d', '2y')
    .action(
      reporting(async (flags: { name: string; email: string; out: string; type: string; expires: string }) => {
        if (flags.type !== 'rsa4096' && flags.type !== 'ed25519') throw new ConfigError('USAGE', `Unknown key type "${flags.type}".`, { hint: 'Use --type rsa4096 or --type ed25519.' });
        const { readPassphrase } = await import('../coordinator/keys/signing-key.js');
        const { generateSigningKey } = await import('../coordinator/keys/generate-key.js');
        const passphrase = await readPassphrase();
        const key = await generateSigningKey({ name: flags.name, email: flags.email, outDir: flags.out, type: flags.type, expiresIn: keyLifetime(flags.expires), passphrase });
        out(
          `fingerprint: ${key.fingerprint}\nprivate key: ${key.privatePath} (mode 0600, ${key.encrypted ? 'encrypted with PKG2OS_KEY_PASSPHRASE' : 'NOT encrypted: set PKG2OS_KEY_PASSPHRASE to encrypt it'})\npublic key:  ${key.publicPath}\nexpires:     ${key.expires.toISOString()}\n`,
        );
      }),
    );
  keys
    .command('export')
    .description('print the public key of the organization\'s signing key')
    .option('--key <file>', 'the armored private key (env PKG2OS_SIGNING_KEY)')
    .action(
      reporting(async (flags: { key?: string }) => {
        const { loadSigningKey } = await import('../coordinator/keys/signing-key.js');
        const key = await loadSigningKey({ keyFile: flags.key });
        out(key.publicArmored);
      }),
    );
  keys
    .command('list')
    .description('list the pinned upstream keys')
    .option('--keys-dir <dir>', 'pinned upstream keys (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--json', 'print JSON')
    .action(
      reporting(async (flags: { keysDir?: string; json?: boolean }) => {
        const { TrustStore } = await import('../coordinator/verify/trust-store.js');
        const store = new TrustStore(flags.keysDir ?? defaultKeysDir());
        const list = await store.list();
        if (flags.json) {
          outJson(list);
          return;
        }
        if (list.length === 0) out(`no keys are pinned in ${store.dir}\n`);
        for (const { project, key } of list) {
          const state = key.revoked ? 'REVOKED' : key.expires && new Date(key.expires) < new Date() ? `expired ${key.expires}` : `expires ${key.expires ?? 'never'}`;
          out(`${project}\t${key.fingerprint}\t${key.userIds[0] ?? ''}\t${key.algorithm}\t${state}\n`);
        }
      }),
    );
  return keys;
}

/** A key's lifetime: at least a day (a unit of minutes or seconds here is surely a slip for months). */
function keyLifetime(text: string): number {
  const seconds = parseDuration(text, '--expires');
  if (seconds < 86400) {
    throw new ConfigError('USAGE', `--expires ${text} would make a signing key that expires in under a day.`, { hint: 'Give days, weeks or years, e.g. 2y or 540d (m means minutes, not months).' });
  }
  return seconds;
}
