/**
 * The schema of `pkg2os.config.yaml` (strict: unknown keys are errors that
 * name the file and the key). Loaded only when a configuration file is read.
 */
import { z } from 'zod';
import { PACKAGE_FORMATS, TARGETS } from './targets.js';
import { SIGNATURE_POLICIES } from './recipes.js';

/** "Name <email>", as Debian's Maintainer field and RPM changelogs want it. */
export const MAINTAINER = /^[^<>\n]+ <[^<>\s@]+@[^<>\s@]+>$/;

export const configSchema = z
  .object({
    'index-url': z.string().url().optional(),
    'allow-insecure-index': z.boolean().optional(),
    maintainer: z.string().regex(MAINTAINER, 'expected "Name <email@example.org>"').optional(),
    targets: z.array(z.string()).min(1).optional(),
    formats: z.array(z.enum(PACKAGE_FORMATS as [string, ...string[]])).min(1).optional(),
    out: z.string().optional(),
    signature: z.enum(SIGNATURE_POLICIES).optional(),
    provenance: z.enum(SIGNATURE_POLICIES).optional(),
    'keys-dir': z.string().optional(),
    'recipes-dir': z.string().optional(),
    lockfile: z.string().optional(),
    repo: z.string().optional(),
    'base-url': z.string().url().optional(),
    'signing-key': z.string().optional(),
    codename: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/, 'expected a suite name like bookworm').optional(),
    origin: z.string().optional(),
    label: z.string().optional(),
    architectures: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1).optional(),
    'valid-for': z.string().optional(),
    /**
     * `versions`: how many versions of each package the indices list (default 3, 0 keeps all);
     * `window`: how long superseded indices and retired package files stay (default 2d).
     * A plain duration is the window.
     */
    retention: z
      .union([z.string(), z.object({ versions: z.number().int().min(0).optional(), window: z.string().optional() }).strict()])
      .optional(),
    requirements: z.array(z.string()).optional(),
    'requirements-file': z.string().optional(),
    jobs: z.number().int().min(1).optional(),
    'cache-dir': z.string().optional(),
    /** Wall-clock limit of each sandboxed build step (a recipe's build-timeout wins for its project). */
    'build-timeout': z.string().optional(),
    'build-limits': z
      .object({
        processes: z.number().int().min(16).optional(),
        'file-size-mib': z.number().int().min(1).optional(),
        'address-space-mib': z.number().int().min(256).optional(),
        /** Memory of the whole sandboxed run, where pkg2os can make it a cgroup (root). */
        'memory-mib': z.number().int().min(64).optional(),
        'cpu-seconds': z.number().int().min(10).optional(),
      })
      .strict()
      .optional(),
    'wheel-limits': z
      .object({
        'max-unpacked-mib': z.number().int().min(1).optional(),
        'max-ratio': z.number().int().min(10).optional(),
        'max-entries': z.number().int().min(10).optional(),
      })
      .strict()
      .optional(),
    /** Largest build log per tool run, in MiB. */
    'log-limit-mib': z.number().int().min(1).optional(),
    /** Build roots by target: a mirror to make a Debian-family root from, repositories and their key for an RPM-family one, or a root directory to use as it is. */
    queue: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').optional(),
    store: z.string().optional(),
    'farm-wait': z.string().optional(),
    roots: z
      .record(
        z.string().refine((name) => name in TARGETS, { message: `not a known target (${Object.keys(TARGETS).join(', ')})` }),
        z.object({ mirror: z.string().url().optional(), repos: z.array(z.string().url()).min(1).optional(), gpgkey: z.string().optional(), packages: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+._-]*$/)).optional(), path: z.string().optional() }).strict(),
      )
      .optional(),
  })
  .strict();

export type FileConfig = z.infer<typeof configSchema>;
