/**
 * Resource limits of a sandboxed run, set with prlimit before it starts and
 * inherited by everything it starts (raising them needs a privilege it does
 * not have): processes (per uid, and every sandbox has its own uid), file
 * size, address space, CPU seconds, no core files. The wall-clock limit is
 * the caller's timeout, after which the whole PID namespace is killed.
 */
import type { SandboxLimits } from '../config/build-limits.js';

export type { SandboxLimits } from '../config/build-limits.js';

/** prlimit's options for `limits` (the command follows after "--"). */
export function limitArgs(limits: SandboxLimits): string[] {
  return [
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileSizeBytes}`,
    `--as=${limits.addressSpaceBytes}`,
    `--cpu=${limits.cpuSeconds}`,
    '--core=0',
    '--nofile=4096',
  ];
}
