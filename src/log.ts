/**
 * Library code never writes to the console: it reports through a `Logger`
 * that the CLI injects (plain lines, a live view on a terminal, or nothing
 * with --json), and through `progress` events a live view can draw.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Structured progress of the build jobs, for a live view; plain logs need not listen. */
  progress?: ProgressListener;
}

/** What a build job (one project version) does, as it happens. */
export interface ProgressListener {
  /** `job` is now doing `phase` (downloading, verifying, building the wheel, packaging deb, …). */
  phase(job: string, phase: string): void;
  /** One package file of `job` is done. */
  file(job: string, outcome: 'built' | 'reused' | 'failed'): void;
  /** `job` has nothing more to do. */
  end(job: string): void;
}

/** A logger that drops everything (library default, tests). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
};
