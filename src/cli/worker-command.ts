/**
 * `pkg2os worker --queue URL --store DIR [--target T]... [--arch A] [--concurrency N]`:
 * a build-farm worker (README.md, "Build farms"). It builds wheels for the
 * targets it serves, in the sandbox, from what the artifact store holds; it
 * holds no key, no lockfile, no repository, and reaches no index.
 */
import type { Command } from 'commander';
import { machine } from 'node:os';
import { ConfigError } from '../errors.js';
import { reporting, stderrLogger } from './output.js';
import { collect } from './list-option.js';


interface WorkerFlags {
  queue: string;
  store: string;
  target?: string[];
  arch?: string;
  concurrency: string;
  lockSeconds: string;
  config?: string;
  cacheDir?: string;
  identity?: string;
  allowOpenQueue?: boolean;
  hostPython?: string[];
  verbose?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('build wheels for a build farm: take jobs for the targets served from its queue, return the wheels through its store')
    .requiredOption('--queue <url>', 'the farm\'s Redis: redis://HOST:PORT, or rediss://USER:PASSWORD@HOST:PORT (TLS)')
    .requiredOption('--store <dir>', 'the artifact store the coordinator shares')
    .option('--target <name>', 'the targets served, repeatable or comma-separated (default: the config\'s targets, else debian-12)', collect)
    .option('--arch <arch>', `the machine architecture served, as uname -m names it (default: this machine's, ${machine()})`)
    .option('--concurrency <n>', 'builds at once', '1')
    .option('--lock-seconds <n>', 'how long a job stays this worker\'s without a sign of life (a dead worker\'s job goes to another after it)', '30')
    .option('--config <file>', 'configuration file: build roots and limits (default ./pkg2os.config.yaml if present)')
    .option('--cache-dir <dir>', 'where made build roots are kept (env PKG2OS_CACHE_DIR; default ~/.cache/pkg2os)')
    .option('--identity <dir>', 'the worker\'s key pair, made on first use: DIR/worker.pub is what the coordinator pins (pkg2os farm trust add); the private part never leaves DIR, encrypted with PKG2OS_WORKER_PASSPHRASE(_FILE) when set (default ~/.config/pkg2os/worker)')
    .option('--host-python <targets>', 'targets it may build pure Python for with this host\'s Python when it cannot make their root, comma-separated (env PKG2OS_HOST_PYTHON; config host-python:)', collect)
    .option('--allow-open-queue', 'allow a queue on another host that takes no password (a closed network only)')
    .option('-v, --verbose', 'more log lines')
    .action(
      reporting(async (flags: WorkerFlags) => {
        const [{ runWorker }, { loadConfig }, { defaultCacheDir, defaultWorkerIdentityDir }, { onStop }, { resolve }, { loadOrCreateIdentity }, { readSecret }] = await Promise.all([
          import('../worker/worker.js'),
          import('../config/config.js'),
          import('../config/default-dirs.js'),
          import('../host/cleanup.js'),
          import('node:path'),
          import('../farm/identity.js'),
          import('../config/secret-env.js'),
        ]);
        const config = await loadConfig(flags.config);
        const logger = stderrLogger(flags.verbose ?? false);
        const identityDir = resolve(flags.identity ?? defaultWorkerIdentityDir());
        const identity = await loadOrCreateIdentity(identityDir, await readSecret('PKG2OS_WORKER_PASSPHRASE', 'the worker\'s passphrase'));
        if (identity.created) logger.info(`made this worker's identity: ${identity.publicFile} (key ${identity.fingerprint}); pin it on the coordinator: pkg2os farm trust add NAME ${identity.publicFile}`);
        let stop!: () => void;
        const stopped = new Promise<void>((r) => (stop = r));
        onStop(async () => stop());
        const positive = (text: string, what: string) => {
          const n = Number(text);
          if (!Number.isInteger(n) || n < 1) throw new ConfigError('USAGE', `${what} must be a whole number above 0, not "${text}".`);
          return n;
        };
        await runWorker({
          queue: flags.queue,
          store: resolve(flags.store),
          targets: flags.target ?? config.targets ?? ['debian-12'],
          arch: flags.arch ?? machine(),
          concurrency: positive(flags.concurrency, '--concurrency'),
          lockSeconds: positive(flags.lockSeconds, '--lock-seconds'),
          rootsDir: resolve(flags.cacheDir ?? config['cache-dir'] ?? defaultCacheDir()),
          roots: config.roots,
          logger,
          stopped,
          identity,
          allowOpenQueue: flags.allowOpenQueue ?? config['allow-open-queue'] ?? false,
          hostPython: flags.hostPython ?? config['host-python'] ?? (process.env.PKG2OS_HOST_PYTHON || undefined)?.split(',').map((t) => t.trim()).filter(Boolean) ?? [],
          // The worker's key and configuration are no build's business.
          hidden: [identityDir, ...(flags.config ? [resolve(flags.config)] : []), process.env.PKG2OS_WORKER_PASSPHRASE_FILE].filter((p): p is string => Boolean(p)),
        });
      }),
    );
}
