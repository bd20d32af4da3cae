/**
 * The limits on upstream code and what it makes: resources of each sandboxed
 * run (prlimit, a cgroup where pkg2os can make one, and a wall-clock
 * build-timeout), the build log's size, and the size and compression ratio of
 * a wheel. From pkg2os.config.yaml
 * (`build-timeout`, `build-limits`, `wheel-limits`, `log-limit`) and a
 * recipe's `build-timeout`.
 */
import { totalmem } from 'node:os';

export interface SandboxLimits {
  /** Processes and threads of the sandbox's uid (RLIMIT_NPROC). */
  processes: number;
  /** Largest file it may write (RLIMIT_FSIZE). */
  fileSizeBytes: number;
  /** Address space of each process (RLIMIT_AS). */
  addressSpaceBytes: number;
  /** Memory of all its processes together (a cgroup's limit, where pkg2os can make one). */
  memoryBytes: number;
  /** CPU seconds of each process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Wall-clock seconds for the whole run. */
  wallSeconds: number;
}

export interface WheelLimits {
  /** Sum of the entries' uncompressed sizes. */
  maxUnpackedBytes: number;
  /** Largest uncompressed/compressed ratio of an entry over 1 MiB. */
  maxRatio: number;
  maxEntries: number;
}

export interface BuildLimits {
  sandbox: SandboxLimits;
  wheel: WheelLimits;
  /** Each build log holds at most this much of a tool's output (then a note says the rest was dropped). */
  logCapBytes: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** 8 GiB, or three quarters of a smaller machine's memory. */
const DEFAULT_MEMORY = Math.min(8 * GiB, Math.floor((totalmem() * 3) / 4 / MiB) * MiB);

/** Generous for real builds, finite for hostile ones; a build-timeout of 20 minutes. */
export const DEFAULT_BUILD_LIMITS: BuildLimits = {
  sandbox: { processes: 1024, fileSizeBytes: 4 * GiB, addressSpaceBytes: 16 * GiB, memoryBytes: DEFAULT_MEMORY, cpuSeconds: 3600, wallSeconds: 20 * 60 },
  wheel: { maxUnpackedBytes: GiB, maxRatio: 200, maxEntries: 100_000 },
  logCapBytes: 64 * MiB,
};

/** The limits a configuration file sets, over the defaults. */
export function buildLimitsFrom(config: {
  'build-timeout-seconds'?: number;
  'build-limits'?: { processes?: number; 'file-size-mib'?: number; 'address-space-mib'?: number; 'memory-mib'?: number; 'cpu-seconds'?: number };
  'wheel-limits'?: { 'max-unpacked-mib'?: number; 'max-ratio'?: number; 'max-entries'?: number };
  'log-limit-mib'?: number;
}): BuildLimits {
  const d = DEFAULT_BUILD_LIMITS;
  const b = config['build-limits'] ?? {};
  const w = config['wheel-limits'] ?? {};
  return {
    sandbox: {
      processes: b.processes ?? d.sandbox.processes,
      fileSizeBytes: b['file-size-mib'] !== undefined ? b['file-size-mib'] * MiB : d.sandbox.fileSizeBytes,
      addressSpaceBytes: b['address-space-mib'] !== undefined ? b['address-space-mib'] * MiB : d.sandbox.addressSpaceBytes,
      memoryBytes: b['memory-mib'] !== undefined ? b['memory-mib'] * MiB : d.sandbox.memoryBytes,
      cpuSeconds: b['cpu-seconds'] ?? d.sandbox.cpuSeconds,
      wallSeconds: config['build-timeout-seconds'] ?? d.sandbox.wallSeconds,
    },
    wheel: {
      maxUnpackedBytes: w['max-unpacked-mib'] !== undefined ? w['max-unpacked-mib'] * MiB : d.wheel.maxUnpackedBytes,
      maxRatio: w['max-ratio'] ?? d.wheel.maxRatio,
      maxEntries: w['max-entries'] ?? d.wheel.maxEntries,
    },
    logCapBytes: config['log-limit-mib'] !== undefined ? config['log-limit-mib'] * MiB : d.logCapBytes,
  };
}
