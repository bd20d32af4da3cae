/**
 * Limits on the whole process tree of one sandboxed run, through a cgroup of
 * its own: memory (prlimit's address-space limit holds per process, so a
 * build that starts fifty processes of 1 GiB each gets past it; the cgroup's
 * limit counts them together) and processes. pkg2os makes the cgroup where it
 * may: as root, on the unified hierarchy (cgroup v2, under
 * /sys/fs/cgroup/pkg2os) or on v1's memory and pids hierarchies. Elsewhere
 * (not root, a read-only /sys/fs/cgroup) the run has prlimit's limits alone,
 * and `cgroupSupport()` says why.
 *
 * The run joins its cgroup before anything of it starts: a fixed shell line
 * writes its own PID into each cgroup.procs, then execs the run's argv (which
 * reaches no shell: it is "$@").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../exec.js';
import { processAlive } from '../host/process-alive.js';

const ROOT = '/sys/fs/cgroup';
const NAME = 'pkg2os';

export interface TreeLimits {
  memoryBytes: number;
  processes: number;
}

/** A cgroup made for one run. */
export interface RunCgroup {
  /** The argv prefix that puts the run into the cgroup, then execs what follows. */
  join: string[];
  /** Whether the kernel killed a process of the run for going over the memory limit. */
  outOfMemory(): boolean;
  /** Kill what is left in it, and remove it. */
  remove(): void;
}

type Layout = { kind: 'v2'; parent: string } | { kind: 'v1'; memory: string; pids: string };

let layout: Layout | null | undefined;
let unsupported = '';
let serial = 0;

const JOIN = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"';

function write(path: string, text: string): void {
  writeFileSync(path, text);
}

/** Where runs' cgroups go, made once per process; null where pkg2os may not make cgroups. */
function detect(): Layout | null {
  if (layout !== undefined) return layout;
  layout = null;
  if (process.getuid?.() !== 0) {
    unsupported = 'pkg2os is not root';
    return layout;
  }
  try {
    if (existsSync(join(ROOT, 'cgroup.controllers'))) {
      const parent = join(ROOT, NAME);
      const enabled = readFileSync(join(ROOT, 'cgroup.subtree_control'), 'utf8');
      if (!/\bmemory\b/.test(enabled) || !/\bpids\b/.test(enabled)) write(join(ROOT, 'cgroup.subtree_control'), '+memory +pids');
      mkdirSync(parent, { recursive: true });
      write(join(parent, 'cgroup.subtree_control'), '+memory +pids');
      layout = { kind: 'v2', parent };
    } else if (existsSync(join(ROOT, 'memory', 'cgroup.procs')) && existsSync(join(ROOT, 'pids', 'cgroup.procs'))) {
      const memory = join(ROOT, 'memory', NAME);
      const pids = join(ROOT, 'pids', NAME);
      mkdirSync(memory, { recursive: true });
      mkdirSync(pids, { recursive: true });
      layout = { kind: 'v1', memory, pids };
    } else unsupported = 'no memory and pids controllers under /sys/fs/cgroup';
    if (layout) removeStale(layout);
  } catch (error) {
    unsupported = `/sys/fs/cgroup cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    layout = null;
  }
  return layout;
}

let probed: Promise<Layout | null> | undefined;

/**
 * The layout, once a process has been seen to join a cgroup made there
 * (a hierarchy may let pkg2os make cgroups and still refuse to move a process
 * into one, e.g. across a delegation boundary): runs never fail for want of a
 * cgroup; they go without one.
 */
function usable(): Promise<Layout | null> {
  probed ??= (async () => {
    const l = detect();
    const probe = l ? make(l, { memoryBytes: 64 * 2 ** 20, processes: 16 }) : undefined;
    if (!l || !probe) {
      if (l) unsupported = `no cgroup can be made under ${l.kind === 'v2' ? l.parent : l.memory}`;
      return null;
    }
    try {
      await run(probe.join[0]!, [...probe.join.slice(1), '/bin/true'], { cleanEnv: true, env: { PATH: '/usr/bin:/bin' }, purpose: 'checking that a process can join a cgroup' });
      return l;
    } catch (error) {
      unsupported = `a process cannot join a cgroup under /sys/fs/cgroup (${(error as Error).message})`;
      return null;
    } finally {
      probe.remove();
    }
  })();
  return probed;
}

/** Whether runs get a cgroup, and if not, why. */
export async function cgroupSupport(): Promise<{ available: true; kind: 'v1' | 'v2' } | { available: false; why: string }> {
  const l = await usable();
  return l ? { available: true, kind: l.kind } : { available: false, why: unsupported };
}

function killAll(procs: string): void {
  let text = '';
  try {
    text = readFileSync(procs, 'utf8');
  } catch {
    return;
  }
  for (const pid of text.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** rmdir a cgroup once its processes are gone (they were killed; the kernel takes a moment to reap them). */
function removeDir(dir: string): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      killAll(join(dir, 'cgroup.procs'));
      Atomics.wait(pause, 0, 0, Math.min(1 + attempt, 20));
    }
  }
}

/** The pkg2os process a run's cgroup belongs to is alive. */
export function ownerAlive(name: string): boolean {
  const pid = Number(/^run-(\d+)-\d+$/.exec(name)?.[1]);
  return !pid || processAlive(pid);
}

/** Cgroups of runs whose pkg2os was killed (SIGKILL leaves them behind; their processes died with its sandboxes). */
function removeStale(l: Layout): void {
  for (const parent of l.kind === 'v2' ? [l.parent] : [l.memory, l.pids]) {
    for (const name of readdirSync(parent)) if (name.startsWith('run-') && !ownerAlive(name)) removeDir(join(parent, name));
  }
}

function counter(path: string, field: string): number {
  try {
    return Number(new RegExp(`^${field} (\\d+)$`, 'm').exec(readFileSync(path, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A cgroup for one run with these limits, or undefined where pkg2os may not make one. */
export async function openCgroup(limits: TreeLimits): Promise<RunCgroup | undefined> {
  const l = await usable();
  return l ? make(l, limits) : undefined;
}

function make(l: Layout, limits: TreeLimits): RunCgroup | undefined {
  const name = `run-${process.pid}-${++serial}`;
  try {
    if (l.kind === 'v2') {
      const dir = join(l.parent, name);
      mkdirSync(dir);
      write(join(dir, 'memory.max'), String(limits.memoryBytes));
      if (existsSync(join(dir, 'memory.swap.max'))) write(join(dir, 'memory.swap.max'), '0');
      write(join(dir, 'pids.max'), String(limits.processes));
      return {
        join: ['/bin/sh', '-c', JOIN, 'pkg2os-cgroup', '1', join(dir, 'cgroup.procs')],
        outOfMemory: () => counter(join(dir, 'memory.events'), 'oom_kill') > 0,
        remove: () => {
          if (existsSync(join(dir, 'cgroup.kill'))) {
            try {
              write(join(dir, 'cgroup.kill'), '1');
            } catch {
              // killed one by one below
            }
          }
          removeDir(dir);
        },
      };
    }
    const memory = join(l.memory, name);
    const pids = join(l.pids, name);
    mkdirSync(memory);
    mkdirSync(pids);
    write(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    if (existsSync(join(memory, 'memory.memsw.limit_in_bytes'))) write(join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    write(join(pids, 'pids.max'), String(limits.processes));
    return {
      join: ['/bin/sh', '-c', JOIN, 'pkg2os-cgroup', '2', join(memory, 'cgroup.procs'), join(pids, 'cgroup.procs')],
      outOfMemory: () => counter(join(memory, 'memory.oom_control'), 'oom_kill') > 0,
      remove: () => {
        removeDir(memory);
        removeDir(pids);
      },
    };
  } catch {
    // A hierarchy that refuses this cgroup: the run has prlimit's limits alone.
    return undefined;
  }
}
