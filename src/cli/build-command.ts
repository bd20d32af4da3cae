/**
 * `pkg2os build <requirement>...` and `pkg2os rebuild` (the nightly job, from
 * pkg2os.config.yaml): their options. What they do is in build-run.ts, loaded
 * only when one of them runs.
 */
import type { Command } from 'commander';
import type { BuildFlags } from './build-options.js';
import { DEFAULT_CONFIG_FILE, DEFAULT_INDEX_URL, DEFAULT_MAINTAINER, DEFAULT_MAX_DOWNLOAD_BYTES } from '../config/defaults.js';
import { TARGETS } from '../config/targets.js';
import { addRepoOptions } from './repo-options.js';
import { collect } from './list-option.js';


export function registerBuild(program: Command): void {
  const command = program
    .command('build')
    .description('fetch, verify, build and package Python projects from an index as .deb and .rpm')
    .argument('<requirement...>', 'PEP 508 requirements, e.g. django or "django>=3.2,<4"')
    .option('--index-url <url>', `PEP 503/691 index (env PKG2OS_INDEX_URL, else PIP_INDEX_URL; default ${DEFAULT_INDEX_URL})`)
    .option('--allow-insecure-index', 'allow plain http for a non-loopback index')
    .option('--out <dir>', 'output directory for packages and report.json (default ./out)')
    .option('--target <name>', `distribution release to build for, repeatable or comma-separated: ${Object.keys(TARGETS).join(', ')} (default debian-12)`, collect)
    .option('--format <list>', 'only these package formats, comma-separated (default: each target\'s own: deb for Debian and Ubuntu, rpm for EL and Fedora)')
    .option('--maintainer <"Name <email>">', `maintainer of the packages (env PKG2OS_MAINTAINER, else DEBFULLNAME/DEBEMAIL; default "${DEFAULT_MAINTAINER}")`)
    .option('--release <n>', 'Debian revision / RPM release number', '1')
    .option('--pre', 'allow pre-releases')
    .option('--no-deps', 'build only the named requirements, not their dependencies')
    .option('--dry-run', 'print the plan (what would be built, from which file, for which target) and build nothing')
    .option('--jobs <n>', 'parallel builds (default: the number of cores)')
    .option('--cache-dir <dir>', 'content-addressed cache of verified metadata and built packages (env PKG2OS_CACHE_DIR; default ~/.cache/pkg2os)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--json', 'print report.json on stdout at the end, nothing else')
    .option('--no-progress', 'plain log lines instead of the live view on a terminal (the default in CI and on pipes)')
    .option('--retries <n>', 'how many times a transient index failure (a reset, a short body, 429, 5xx) is tried again, with backoff (default 5; config index-limits: {retries})')
    .option('--max-download-size <MiB>', `largest sdist accepted, in MiB (default ${DEFAULT_MAX_DOWNLOAD_BYTES / 1024 / 1024})`)
    .option('--keep-work', 'keep the temporary work directory')
    .option('--config <file>', 'configuration file (default ./pkg2os.config.yaml if present)')
    .option('--signature-policy <policy>', 'upstream signatures: required, if-available (default) or ignore; a recipe wins for its project')
    .option('--provenance-policy <policy>', 'PEP 740 provenance: required, if-available (default) or ignore; a recipe wins for its project')
    .option('--keys-dir <dir>', 'pinned upstream keys and Trusted Publishers (env PKG2OS_KEYS_DIR; default ~/.config/pkg2os/keys)')
    .option('--recipes-dir <dir>', 'a directory of recipes searched before pkg2os\'s own, repeatable', collect)
    .option('--lockfile <file>', 'lockfile (default ./pkg2os.lock)')
    .option('--no-lockfile', 'neither check nor write a lockfile')
    .option('--frozen', 'build only what the lockfile holds, exactly, and never write it')
    .option('--accept-new-signer', 'accept and record a signer that differs from the locked one')
    .option('--accept-new-publisher', 'accept and record a Trusted Publisher that differs from the locked one')
    .option('--queue <url>', 'build the wheels on a build farm: its Redis (redis://HOST:PORT or rediss://USER:PASSWORD@HOST:PORT); config queue:')
    .option('--store <dir>', 'the build farm\'s artifact store, shared with its workers; config store:')
    .option('--host-python <targets>', 'targets whose packages may be built with this host\'s Python when pkg2os cannot make their root, comma-separated (env PKG2OS_HOST_PYTHON; config host-python:)', collect)
    .option('--agree <n>', 'use a wheel only when this many distinct pinned workers built it byte for byte alike (default 1); config farm-agree:')
    .option('--allow-open-queue', 'allow a queue on another host that takes no password (a closed network only); config allow-open-queue:')
    .option('-v, --verbose', 'more log lines');
  addRepoOptions(command, false).action(async (requirementTexts: string[], flags: BuildFlags) => {
    process.exitCode = await (await import('./build-run.js')).runBuild(requirementTexts, flags);
  });
}

export function registerRebuild(program: Command): void {
  const command = program
    .command('rebuild')
    .description('build what pkg2os.config.yaml names (new or changed only, through the cache) and publish once')
    .option('--config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--out <dir>', 'output directory (default: the config\'s, else ./out)')
    .option('--json', 'print the report on stdout at the end, nothing else')
    .option('--no-progress', 'plain log lines instead of the live view on a terminal (the default in CI and on pipes)')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--frozen', 'build exactly what the lockfile holds')
    .option('--jobs <n>', 'parallel builds (default: the config\'s, else the number of cores)')
    .option('--channel <name>', 'the channel to publish to (its own apt suites and yum repositories); default: the config\'s channel:, else the repository\'s original ones')
    .option('--keep-snapshots <n>', 'snapshots kept per channel, and every pool file they name (default: the config\'s keep-snapshots:, else 10; 0 keeps all)')
    .option('-v, --verbose', 'more log lines');
  command.action(async (flags: Partial<BuildFlags> & { config: string; cache: boolean }) => {
    process.exitCode = await (await import('./build-run.js')).runRebuild(flags);
  });
}

