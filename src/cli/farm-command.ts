/**
 * `pkg2os farm trust add|list|remove`: the build-farm workers whose signed
 * results the coordinator accepts, pinned by their public keys
 * (`<keys-dir>/farm-workers/NAME.pub`; `farm-workers:` in the configuration
 * names more).
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { defaultKeysDir } from '../config/default-dirs.js';
import { out, outJson } from './terminal.js';
import { reporting } from './output.js';

const KEYS_DIR = 'where the pins are kept: <dir>/farm-workers (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)';

async function pins(flags: { keysDir?: string; config?: string }) {
  const [{ WorkerPins }, { loadConfig }] = await Promise.all([import('../coordinator/farm/worker-pins.js'), import('../config/config.js')]);
  const config = await loadConfig(flags.config);
  return WorkerPins.forKeysDir(resolve(flags.keysDir ?? config['keys-dir'] ?? defaultKeysDir()), config['farm-workers']);
}

export function registerFarm(program: Command): Command {
  const farm = program.command('farm').description('the build farm: which workers are trusted to build');
  const trust = farm.command('trust').description('pin, list and unpin the workers whose signed results are accepted');
  trust
    .command('add')
    .description('pin a worker by its public key (the worker.pub of its --identity directory)')
    .argument('<name>', 'a name for it: letters, digits, . _ -')
    .argument('<file>', 'its worker.pub')
    .option('--keys-dir <dir>', KEYS_DIR)
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .action(
      reporting(async (name: string, file: string, flags: { keysDir?: string; config?: string }) => {
        const fingerprint = await (await pins(flags)).add(name, file);
        out(`pinned worker ${name}: key ${fingerprint}\nCheck that fingerprint against the worker's own log line ("key …"): from now on, results it signs are accepted.\n`);
      }),
    );
  trust
    .command('list')
    .description('list the pinned workers')
    .option('--keys-dir <dir>', KEYS_DIR)
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--json', 'print JSON')
    .action(
      reporting(async (flags: { keysDir?: string; config?: string; json?: boolean }) => {
        const store = await pins(flags);
        const list = (await store.list()).map(({ name, fingerprint, source }) => ({ name, fingerprint, source }));
        if (flags.json) return outJson({ workers: list });
        if (list.length === 0) out(`no worker is pinned (${store.dir})\n`);
        for (const w of list) out(`${w.name}\t${w.fingerprint}\t${w.source}\n`);
      }),
    );
  trust
    .command('remove')
    .description('unpin a worker: its results are refused from now on, also in runs under way')
    .argument('<name>', 'the name it was pinned under')
    .option('--keys-dir <dir>', KEYS_DIR)
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .action(
      reporting(async (name: string, flags: { keysDir?: string; config?: string }) => {
        const store = await pins(flags);
        if (await store.remove(name)) return out(`unpinned worker ${name}\n`);
        const { ConfigError } = await import('../errors.js');
        const configured = (await store.list()).find((w) => w.name === name);
        throw new ConfigError('USAGE', configured ? `${name} is pinned by the configuration (${configured.source}), not in ${store.dir}.` : `No worker named ${name} is pinned in ${store.dir}.`, {
          hint: configured ? 'Remove it from farm-workers: in pkg2os.config.yaml.' : 'pkg2os farm trust list shows the pinned workers.',
        });
      }),
    );
  return farm;
}
