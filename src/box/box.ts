/**
 * A Box: the one directory where the steps of one build item (an sdist's
 * wheel, or one (item, target, format)'s staging and packaging) run upstream
 * code or tools that read upstream's files. It is made once, with everything
 * that contains those steps — the root they see, the limits, the log and its
 * cap, the environment, the places hidden from them — so that callers say
 * `box.run(argv, purpose)` and never see a limit. Every run is a sandbox of its
 * own (sandbox.ts): new namespaces, its own uid as root, only the box writable.
 */
import type { RunResult } from '../exec.js';
import type { SandboxLimits } from './limits.js';
import { type Bind, type SandboxRoot, runSandboxed } from './sandbox.js';

/** What contains every box of a run: made once per run (or per worker job). */
export interface BoxPolicy {
  limits: SandboxLimits;
  /** Bytes of output kept per tool run in the log. */
  logCapBytes: number;
  /** pkg2os's own places (keys, cache, repository, output, configuration): hidden from every run even where they lie in a tree it sees. */
  hidden: readonly string[];
}

export interface BoxRunOptions {
  /** Working directory inside (default /build). */
  cwd?: string;
  /** Variables on top of the box's own. */
  env?: Record<string, string>;
  /** More host paths, read-only. */
  readOnly?: readonly Bind[];
  /** Keep stdout in memory (small outputs only). */
  capture?: boolean;
  /** Another root than the box's: the host's own tools (dpkg-deb, rpmbuild, strip) reading the box. */
  root?: SandboxRoot;
}

export class Box {
  constructor(
    /** The box on the host; mounted read-write at /build, the only writable place. */
    readonly dir: string,
    /** The root its runs see as "/" (read-only). */
    readonly root: SandboxRoot,
    /** Where the output of its runs goes. */
    readonly logFile: string,
    private readonly policy: BoxPolicy,
    /** The variables of every run (a recipe's, the build's). */
    private readonly env: Record<string, string> = {},
  ) {}

  get limits(): SandboxLimits {
    return this.policy.limits;
  }

  /** The same box with other limits (a recipe's build-timeout) or more variables. */
  with(changes: { wallSeconds?: number; env?: Record<string, string> }): Box {
    const limits = changes.wallSeconds ? { ...this.policy.limits, wallSeconds: changes.wallSeconds } : this.policy.limits;
    return new Box(this.dir, this.root, this.logFile, { ...this.policy, limits }, { ...this.env, ...changes.env });
  }

  /** Another box (directory) with the same policy, root and log: a sub-box for one (target, format). */
  sibling(dir: string, root: SandboxRoot = this.root): Box {
    return new Box(dir, root, this.logFile, this.policy, this.env);
  }

  /** Run `argv` in a sandbox of this box; resolves with its output or rejects with a typed error. */
  run(argv: string[], purpose: string, options: BoxRunOptions = {}): Promise<RunResult> {
    return runSandboxed({
      argv,
      root: options.root ?? this.root,
      box: this.dir,
      readOnly: options.readOnly ?? [],
      cwd: options.cwd ?? '/build',
      env: { ...this.env, ...options.env },
      limits: this.policy.limits,
      hidden: this.policy.hidden,
      logFile: this.logFile,
      logCapBytes: this.policy.logCapBytes,
      capture: options.capture,
      purpose,
    });
  }

  /** The path inside the sandbox of a host path below the box. */
  inside(hostPath: string): string {
    if (hostPath !== this.dir && !hostPath.startsWith(`${this.dir}/`)) throw new Error(`${hostPath} is not in the box ${this.dir}`);
    return `/build${hostPath.slice(this.dir.length)}`;
  }
}
