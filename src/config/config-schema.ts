/**
 * The schema of `pkg2os.config.yaml` (strict: unknown keys are errors that
 * name the file and the key). Loaded only when a configuration file is read.
 */
import { z } from 'zod';
import { TARGETS } from './targets.js';
import { SIGNATURE_POLICIES } from './recipes.js';

/** "Name <email>", as Debian's Maintainer field and RPM changelogs want it. */
export const MAINTAINER = /^[^<>\n]+ <[^<>\s@]+@[^<>\s@]+>$/;

export const configSchema = z
  .object({
    'index-url': z.string().url().optional().describe('the PEP 503/691 index (flag --index-url; env PKG2OS_INDEX_URL wins over it)'),
    'allow-insecure-index': z.boolean().optional().describe('allow plain http to a non-loopback index'),
    maintainer: z.string().regex(MAINTAINER, 'expected "Name <email@example.org>"').optional().describe('maintainer of the packages, "Name <email>"'),
    targets: z.array(z.string()).min(1).optional().describe('distribution releases to build for (debian-12, debian-13, ubuntu-24.04, el9, fedora-41); each gets its own family\'s format'),
    formats: z.array(z.string().regex(/^[a-z0-9]+$/, 'expected a package format such as deb or rpm')).min(1).optional().describe('only these package formats (checked against the targets\' families)'),
    out: z.string().optional().describe('output directory for packages, logs and report.json'),
    signature: z.enum(SIGNATURE_POLICIES).optional().describe('upstream OpenPGP signature policy (a recipe wins for its project)'),
    provenance: z.enum(SIGNATURE_POLICIES).optional().describe('PEP 740 provenance policy (a recipe wins for its project)'),
    'keys-dir': z.string().optional().describe('pinned upstream keys and Trusted Publishers'),
    'recipes-dir': z.string().optional().describe('recipes searched before pkg2os\'s own'),
    'templates-dir': z.string().optional().describe('templates that override pkg2os\'s own, file by file (deb/control.hbs, rpm/package.spec.hbs, repo/target.sources.hbs, …)'),
    lockfile: z.string().optional().describe('the lockfile (default ./pkg2os.lock)'),
    repo: z.string().optional().describe('the repository root to publish to'),
    'base-url': z.string().url().optional().describe('where clients reach the repository root: client files are written for it'),
    'signing-key': z.string().optional().describe('the organization\'s armored private key (its passphrase only ever from the environment)'),
    codename: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'expected a suite name like bookworm').optional().describe('rename the apt suite of the one Debian-family target'),
    origin: z.string().optional().describe('apt Origin and client file names (default: the signing key\'s user ID name)'),
    label: z.string().optional().describe('apt Label and yum repository name (default: the Origin)'),
    architectures: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1).optional().describe('architectures the apt repository lists (default: the machine\'s)'),
    'valid-for': z.string().optional().describe('how long a Release stays valid for apt (a duration; default 14d)'),
    retention: z
      .union([z.string(), z.object({ versions: z.number().int().min(0).optional().describe('how many versions of each package the indices list, newest first (0 keeps all)'), window: z.string().optional().describe('how long superseded indices and retired package files stay') }).strict()])
      .optional()
      .describe('versions: how many versions of each package the indices list (default 3, 0 keeps all); window: how long superseded indices and retired package files stay (default 2d); a plain duration is the window'),
    requirements: z.array(z.string()).optional().describe('what pkg2os rebuild builds (PEP 508 requirements)'),
    'requirements-file': z.string().optional().describe('what pkg2os rebuild builds, one requirement per line'),
    jobs: z.number().int().min(1).optional().describe('parallel builds (default: the number of cores)'),
    'cache-dir': z.string().optional().describe('the content-addressed cache and the made build roots (default ~/.cache/pkg2os; as root /var/cache/pkg2os)'),
    'build-timeout': z.string().optional().describe('wall-clock limit of each sandboxed build step (a duration; default 20m; a recipe\'s wins for its project)'),
    'build-limits': z
      .object({
        processes: z.number().int().min(16).optional().describe('processes per sandbox uid (default 1024)'),
        'file-size-mib': z.number().int().min(1).optional().describe('largest file a build writes (default 4096)'),
        'address-space-mib': z.number().int().min(256).optional().describe('address space per process (default 16384)'),
        'memory-mib': z.number().int().min(64).optional().describe('memory of a whole sandboxed run, where pkg2os can make it a cgroup (as root; default 8192 or 3/4 of the machine)'),
        'cpu-seconds': z.number().int().min(10).optional().describe('CPU time per process (default 3600)'),
      })
      .strict()
      .optional()
      .describe('limits on every sandboxed run'),
    'wheel-limits': z
      .object({
        'max-unpacked-mib': z.number().int().min(1).optional().describe('largest unpacked wheel (default 1024)'),
        'max-ratio': z.number().int().min(10).optional().describe('largest compression ratio of an entry over 1 MiB (default 200)'),
        'max-entries': z.number().int().min(10).optional().describe('most files in a wheel (default 100000)'),
      })
      .strict()
      .optional()
      .describe('limits on a built wheel, checked before anything installs it'),
    'index-limits': z
      .object({
        retries: z.number().int().min(0).max(20).optional().describe('how many times a transient failure (a reset, a short body, 408/429/5xx) is tried again, with backoff (default 5, as pip)'),
        'connect-timeout': z.string().optional().describe('how long an answer may take to begin (a duration; default 30s)'),
        'read-timeout': z.string().optional().describe('how long a read may stall (a duration; default 60s)'),
        'max-page-mib': z.number().int().min(1).optional().describe('largest project page, decompressed (default 32)'),
      })
      .strict()
      .optional()
      .describe('retries, timeouts and size limits of reads from the index'),
    'log-limit-mib': z.number().int().min(1).optional().describe('build output kept per tool run (default 64)'),
    queue: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional().describe('build the wheels on a build farm: its Redis'),
    store: z.string().optional().describe('the build farm\'s artifact store, shared with its workers'),
    'farm-wait': z.string().optional().describe('how long a job may wait with no worker for its target (default 10m)'),
    'farm-agree': z.number().int().min(1).max(16).optional().describe('how many distinct pinned workers must build byte-identical wheels before one is used (default 1; --agree)'),
    'farm-workers': z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a worker name: letters, digits, . _ -'), z.string()).optional().describe('workers pinned besides those of pkg2os farm trust add: name → its worker.pub'),
    'allow-open-queue': z.boolean().optional().describe('allow a queue on another host that takes no password (a closed network only)'),
    'state-dir': z.string().optional().describe('where what pkg2os learns of the target releases is kept (default /var/lib/pkg2os as root, else ~/.local/state/pkg2os; env PKG2OS_STATE_DIR)'),
    channel: z.string().optional().describe('the channel publishing goes to (default: the repository\'s original suites and directories)'),
    'keep-snapshots': z.number().int().min(0).optional().describe('snapshots kept per channel, and every pool file they name (default 10; 0 keeps all)'),
    'host-python': z.array(z.string()).optional().describe('targets whose packages may be built with the host\'s Python and build tools when pkg2os cannot make their root (their packages then carry no bytecode and no compiled code); --host-python, PKG2OS_HOST_PYTHON'),
    'build-requirements': z.enum(['newest', 'distribution-first']).optional().describe('how build requirements are chosen: newest (default: the newest verified version on the index, as upstream tests them; the distribution\'s when the index has none) or distribution-first (the build root\'s version wherever it satisfies); a recipe\'s wins for its project'),
    'release-check': z.enum(['required', 'if-available']).optional().describe('names and files are checked against each target\'s whole release (Packages and Contents, or repository metadata): required fails a build whose target release cannot be read; if-available (default) warns and checks against what is known'),
    roots: z
      .record(
        z.string().refine((name) => name in TARGETS, { message: `not a known target (${Object.keys(TARGETS).join(', ')})` }),
        z
          .object({
            mirror: z.string().url().optional().describe('the archive a Debian-family root and release data are made from'),
            keyring: z.string().optional().describe('the keyring a Debian-family archive\'s Release is checked with (default: the distribution\'s)'),
            repos: z.array(z.string().url()).min(1).optional().describe('the repositories an RPM-family root is made from'),
            gpgkey: z.string().optional().describe('the key of an RPM-family distribution\'s packages'),
            packages: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+._-]*$/)).optional().describe('packages the root holds besides the default set'),
            path: z.string().optional().describe('a root filesystem to use as it is'),
          })
          .strict(),
      )
      .optional()
      .describe('build roots by target: a mirror to make a Debian-family root from, repositories and their key for an RPM-family one, or a root directory to use as it is'),
  })
  .strict();

/** The configuration file's schema as JSON Schema (published as schemas/config.schema.json). */
export function configJsonSchema(): object {
  return { title: 'pkg2os.config.yaml', ...z.toJSONSchema(configSchema, { io: 'input' }) };
}

export type FileConfig = z.infer<typeof configSchema>;
