/**
 * The sandbox every run of upstream code (and every packaging tool that reads
 * upstream content) goes through: bubblewrap with new user, PID, IPC, UTS,
 * network, mount and cgroup namespaces, no capabilities, NoNewPrivs, no nested
 * user namespaces, a read-only root (the host's /usr and a small /etc, or a
 * target's root), a private /proc, a minimal /dev, and one writable directory:
 * its own build box. When pkg2os runs as root, the sandbox runs as an
 * unprivileged uid of its own (never shared with another build running at the
 * same time); resource limits come from prlimit, and where pkg2os can make a
 * cgroup for the run, its memory and processes are limited as a whole (see
 * cgroup.ts). The whole PID namespace dies
 * with the build (--die-with-parent, and the sandbox's init exiting), on
 * timeout, on cancellation and when pkg2os itself dies.
 */
import { chmod, chown, cp, lchown, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError, ConfigError, ToolError } from '../errors.js';
import { type RunResult, run } from '../exec.js';
import { runSignal } from '../host/cleanup.js';
import { type SandboxLimits, limitArgs } from './limits.js';
import { openCgroup } from './cgroup.js';
import { leaseUid } from './uids.js';
import { closedAbove } from './work-dir.js';

export type { SandboxLimits } from './limits.js';

/** The root the sandbox sees as "/": the host's, or a target's root directory (read-only either way). */
export type SandboxRoot = { kind: 'host' } | { kind: 'dir'; path: string };

export const HOST_ROOT: SandboxRoot = { kind: 'host' };

/** A host path bound read-only inside. */
export interface Bind {
  host: string;
  inside: string;
}

/** Over each hidden path that lies under the bound root (/usr, /etc), an empty tmpfs (directories) or /dev/null (files). */
function hideArgs(root: SandboxRoot, hidden: readonly string[]): string[] {
  if (root.kind !== 'host') return [];
  const args: string[] = [];
  for (const path of hidden) {
    if (!(path.startsWith('/usr/') || ETC.some((name) => path.startsWith(`/etc/${name}`)))) continue;
    const st = statSafe(path);
    if (st?.isDirectory()) args.push('--tmpfs', path);
    else if (st?.isFile()) args.push('--ro-bind', '/dev/null', path);
  }
  return args;
}

function statSafe(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The uid and gid upstream code sees inside (mapped to an unprivileged uid outside). */
export const INSIDE_UID = 1000;

export interface SandboxRun {
  argv: string[];
  root: SandboxRoot;
  /** The build box: mounted read-write at /build, the only writable place (with /tmp inside it). */
  box: string;
  /** More host paths, read-only, e.g. a helper script or a wheel. */
  readOnly?: readonly Bind[];
  /** Working directory inside the sandbox. */
  cwd: string;
  env: Record<string, string>;
  limits: SandboxLimits;
  /** pkg2os's own places, hidden even where they lie in a tree the sandbox sees (the Box's policy). */
  hidden?: readonly string[];
  logFile?: string;
  logCapBytes?: number;
  /** What it is for, in errors ("building the wheel of Django 3.2.25"). */
  purpose: string;
  /** Keep stdout in memory (small outputs only). */
  capture?: boolean;
}

/** /etc files a build may need from the root it runs on; nothing else of /etc is visible. */
const ETC = ['alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime', 'nsswitch.conf', 'os-release', 'debian_version', 'dpkg', 'rpm', 'mime.types', 'protocols', 'services', 'python3'];

/** The top-level entries of a merged-/usr root: symlinks into /usr where the root has them. */
function topLevel(rootPath: string): string[] {
  const args: string[] = [];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = join(rootPath, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(path), `/${name}`);
    else if (st.isDirectory()) args.push('--ro-bind', path, `/${name}`);
  }
  return args;
}

function rootArgs(root: SandboxRoot): string[] {
  const base = root.kind === 'host' ? '/' : root.path;
  const args = ['--ro-bind', join(base, 'usr'), '/usr', ...topLevel(base)];
  // The host's /usr/local (other Pythons, pip installs) is not the distribution's: hidden.
  if (root.kind === 'host') args.push('--tmpfs', '/usr/local');
  for (const name of ETC) args.push('--ro-bind-try', join(base, 'etc', name), `/etc/${name}`);
  // Debian's python3.X config directories (e.g. /etc/python3.11).
  if (existsSync(join(base, 'etc'))) {
    for (const entry of readdirSync(join(base, 'etc'))) if (/^python3\.\d+$/.test(entry)) args.push('--ro-bind', join(base, 'etc', entry), `/etc/${entry}`);
  }
  return args;
}

/** The identity files of the sandbox (who "builder" is, that localhost is local), beside the box where the build cannot change them. */
async function identityFiles(box: string): Promise<string> {
  const dir = `${box}.etc`;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(dir, 'passwd'), `root:x:0:0:root:/root:/usr/sbin/nologin\nbuilder:x:${INSIDE_UID}:${INSIDE_UID}:pkg2os build:/build/home:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`);
  await writeFile(join(dir, 'group'), `root:x:0:\nbuilder:x:${INSIDE_UID}:\nnogroup:x:65534:\n`);
  await writeFile(join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  await writeFile(join(dir, 'hostname'), 'pkg2os-build\n');
  return dir;
}

/**
 * What the sandbox's unprivileged uid binds must be reachable with its own
 * rights. A build root that is not (a cache directory under /root, which is
 * 0700) is a clear error; a small read-only input that is not (pkg2os's own
 * helpers, when pkg2os lies under /root) is copied beside the box, root's and
 * read-only, and bound from there.
 */
async function reachable(binds: readonly Bind[], root: SandboxRoot, box: string): Promise<Bind[]> {
  const closedRoot = root.kind === 'dir' ? closedAbove(root.path, true) : undefined;
  if (root.kind === 'dir' && closedRoot) {
    throw new ConfigError('USAGE', `Builds run as an unprivileged user, which cannot reach the build root ${root.path}: ${closedRoot.dir} is not open to others (mode ${closedRoot.mode.toString(8)}).`, {
      hint: 'Keep build roots where every user may pass: set cache-dir in pkg2os.config.yaml (or PKG2OS_CACHE_DIR) to a directory such as /var/cache/pkg2os (the default when pkg2os runs as root), or give roots: {TARGET: {path: DIR}} outside it.',
    });
  }
  const out: Bind[] = [];
  let copies: string | undefined;
  for (const [k, bind] of binds.entries()) {
    const st = lstatSync(bind.host);
    // Others may read it (and enter it, if a directory), and pass through every directory above it.
    const needed = st.isDirectory() ? 0o005 : 0o004;
    if ((st.mode & needed) === needed && !closedAbove(bind.host)) {
      out.push(bind);
      continue;
    }
    // One directory of copies per run (a box serves several runs), removed with the box's work directory.
    copies ??= await mkdtemp(`${box}.ro-`);
    await chmod(copies, 0o755);
    const copy = join(copies, String(k));
    await cp(bind.host, copy, { recursive: true });
    await openToAll(copy);
    out.push({ host: copy, inside: bind.inside });
  }
  return out;
}

/** a+r on every file, a+rx on every directory (a copy pkg2os made, root's). */
async function openToAll(path: string): Promise<void> {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  await chmod(path, (st.mode & 0o777) | (st.isDirectory() ? 0o755 : 0o644));
  if (st.isDirectory()) for (const entry of await readdir(path)) await openToAll(join(path, entry));
}

/** Give the box to `uid` (upstream code must be able to write its own tree, and nothing else). */
async function handOver(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  // Its own and nobody else's: another build's uid cannot look in.
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) await lchown(join(entry.parentPath, entry.name), uid, uid);
}

/** Run `argv` in the sandbox; resolves with its output or rejects with a typed error (a timeout names the limit). */
export async function runSandboxed(spec: SandboxRun): Promise<RunResult> {
  const box = spec.box;
  await mkdir(join(box, 'tmp'), { recursive: true });
  await mkdir(join(box, 'home'), { recursive: true });
  const etc = await identityFiles(box);
  const lease = process.getuid?.() === 0 ? await leaseUid() : undefined;
  const cgroup = await openCgroup({ memoryBytes: spec.limits.memoryBytes, processes: spec.limits.processes });
  try {
    if (lease) await handOver(box, lease.uid);
    const readOnly = lease ? await reachable(spec.readOnly ?? [], spec.root, box) : [...(spec.readOnly ?? [])];
    const args = [
      ...limitArgs(spec.limits),
      '--',
      ...(lease ? ['setpriv', `--reuid=${lease.uid}`, `--regid=${lease.uid}`, '--clear-groups', '--inh-caps=-all', '--no-new-privs', '--'] : []),
      'bwrap',
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--cap-drop', 'ALL',
      '--uid', String(INSIDE_UID),
      '--gid', String(INSIDE_UID),
      '--hostname', 'pkg2os-build',
      ...rootArgs(spec.root),
      ...hideArgs(spec.root, spec.hidden ?? []),
      '--ro-bind', join(etc, 'passwd'), '/etc/passwd',
      '--ro-bind', join(etc, 'group'), '/etc/group',
      '--ro-bind', join(etc, 'hosts'), '/etc/hosts',
      '--ro-bind', join(etc, 'hostname'), '/etc/hostname',
      '--proc', '/proc',
      '--dev', '/dev',
      '--tmpfs', '/run',
      '--bind', box, '/build',
      '--bind', join(box, 'tmp'), '/tmp',
      '--bind', join(box, 'tmp'), '/var/tmp',
      ...readOnly.flatMap((b) => ['--ro-bind', b.host, b.inside]),
      '--chdir', spec.cwd,
      '--',
      ...spec.argv,
    ];
    const [tool, ...rest] = [...(cgroup?.join ?? []), 'prlimit', ...args];
    return await run(tool!, rest, {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...spec.env },
      cleanEnv: true,
      logFile: spec.logFile,
      logCapBytes: spec.logCapBytes,
      capture: spec.capture ?? false,
      timeoutMs: spec.limits.wallSeconds * 1000,
      signal: runSignal(),
      purpose: spec.purpose,
      storageAt: box,
    });
  } catch (error) {
    if (cgroup?.outOfMemory()) {
      throw new BuildError('BUILD_LIMIT', `${spec.purpose} used more than ${Math.round(spec.limits.memoryBytes / 2 ** 20)} MiB of memory in all its processes together; the kernel stopped it.`, {
        hint: 'Raise "build-limits: {memory-mib: N}" in pkg2os.config.yaml if the build genuinely needs more.',
        cause: error,
      });
    }
    if (error instanceof ToolError && /timed out/.test(error.message)) {
      throw new BuildError('BUILD_TIMEOUT', `${spec.purpose} took longer than ${spec.limits.wallSeconds} s; every process of it was killed.`, {
        hint: 'Raise "build-timeout" in pkg2os.config.yaml or in the project\'s recipe if the build is genuinely this slow.',
        cause: error,
      });
    }
    throw error;
  } finally {
    cgroup?.remove();
    lease?.release();
  }
}
