/**
 * Library code never writes to the console: it reports through a `Logger`
 * that the CLI injects (plain lines, a live view on a terminal, or nothing
 * with --json), and through typed `progress` events a live view can draw.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Structured progress of the build jobs, for a live view; plain logs need not listen. */
  progress?: ProgressListener;
}

/** What a build job (one project version) is doing. */
export type JobPhase =
  | 'download'
  | 'verified'
  | 'unpack'
  | 'metadata'
  | 'build-requirements'
  | 'wheel'
  | 'waiting'
  | 'package'
  | 'reused'
  | 'publish';

/** One step of a job: the phase, and what it works on (a file name, a format and target, a verdict). */
export interface JobStep {
  phase: JobPhase;
  /** e.g. "deb for debian-12", "Django-3.2.25.tar.gz". */
  subject?: string;
  /** Evidence worth a log line but not the live view (a digest, a signer). */
  detail?: string;
}

const PHASE_TEXT: Record<JobPhase, string> = {
  download: 'downloading',
  verified: 'verified',
  unpack: 'unpacking',
  metadata: 'reading the metadata (offline)',
  'build-requirements': 'preparing the build requirements',
  wheel: 'building the wheel (offline)',
  waiting: 'wheel built; packaging after its dependencies',
  package: 'packaging',
  reused: 'reused from the cache:',
  publish: 'publishing to',
};

/** "packaging deb for debian-12", "verified sha256 … , signature by …": the step as a log line says it. */
export function describeStep(step: JobStep, withDetail = true): string {
  return [PHASE_TEXT[step.phase], step.subject, withDetail ? step.detail : undefined].filter(Boolean).join(' ');
}

/** What a build job does, as it happens. */
export interface ProgressListener {
  /** `job` is now at `step`. */
  step(job: string, step: JobStep): void;
  /** One package file of `job` is done. */
  file(job: string, outcome: 'built' | 'reused' | 'failed'): void;
  /** `job` has nothing more to do. */
  end(job: string): void;
}

/** Report a job's step: to the live view when there is one, else as a log line. */
export function reportStep(logger: Logger, job: string, step: JobStep): void {
  if (logger.progress) logger.progress.step(job, step);
  else logger.info(`${job}: ${describeStep(step)}`);
}

/** A logger that drops everything (library default, tests). */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
};

/** A debug line that says how long after the process started something happened (`--verbose`: where the time goes). */
export function lapSinceStart(logger: Logger): (what: string) => void {
  return (what) => logger.debug(`${what} at ${Math.round(performance.now())} ms since pkg2os started`);
}
