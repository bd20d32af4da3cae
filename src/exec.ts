/**
 * The one door to the outside world: every child process pkg2os starts goes
 * through `run()`. A child gets an allow-listed environment (never a key path,
 * passphrase or token of pkg2os's own unless a caller passes it on purpose);
 * its output streams to a capped log file in constant memory, and only the
 * last lines are kept for the error. A missing program becomes a
 * `ToolMissingError` that names the Debian package to install; a failing one
 * becomes a `ToolError` with the command, its exit status and its last lines.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { ToolError, ToolMissingError, type ToolPhase } from './errors.js';
import { killOnStop } from './stop-registry.js';
import { isStorageFailure, storageError, storageFailureIn } from './storage-errors.js';

/** Debian packages that provide the programs pkg2os runs. */
const TOOL_PACKAGES: Record<string, string> = {
  'dpkg-deb': 'dpkg',
  dpkg: 'dpkg',
  'dpkg-query': 'dpkg',
  'dpkg-architecture': 'dpkg-dev',
  rpmbuild: 'rpm',
  rpm: 'rpm',
  rpmsign: 'rpm',
  rpmkeys: 'rpm',
  lintian: 'lintian',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  prlimit: 'util-linux',
  bwrap: 'bubblewrap',
  mmdebstrap: 'mmdebstrap',
  dnf: 'dnf',
  'apt-cache': 'apt',
  '/usr/bin/python3': 'python3',
  python3: 'python3',
  gpgv: 'gpgv',
  createrepo_c: 'createrepo-c',
  'apt-get': 'apt',
  patch: 'patch',
  patchelf: 'patchelf',
  readelf: 'binutils',
  strip: 'binutils',
  tar: 'tar',
  bzip2: 'bzip2',
  xz: 'xz-utils',
};

/** The Debian package that provides `tool`, for install hints. */
export function packageForTool(tool: string): string | undefined {
  return TOOL_PACKAGES[tool] ?? TOOL_PACKAGES[tool.split('/').pop() ?? tool];
}

/**
 * What a child inherits from pkg2os's environment: where programs are, the
 * locale, the time zone, the home and temporary directories. Nothing else —
 * not PKG2OS_KEY_PASSPHRASE, PKG2OS_SIGNING_KEY or an index URL with credentials.
 */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ'];

/** The allow-listed environment for a child, plus `extra`. */
export function childEnvironment(extra: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) if (from[name] !== undefined) env[name] = from[name]!;
  return { ...env, ...extra };
}

export interface RunOptions {
  cwd?: string;
  /** Variables added to the allow-listed environment. */
  env?: Record<string, string>;
  /** Exactly `env`, nothing inherited (upstream code). */
  cleanEnv?: boolean;
  input?: string | Buffer;
  /** Append the command and its output to this log file (capped at `logCapBytes`). */
  logFile?: string;
  logCapBytes?: number;
  /** Keep stdout in memory for the caller (default); otherwise it only goes to the log and the error's tail. */
  capture?: boolean;
  timeoutMs?: number;
  /** What the command was for, used in error messages ("building the wheel"). */
  purpose?: string;
  /** Extra text for the hint of a `ToolError`. */
  hint?: string;
  /** Whether a failure is a build (exit 4, default) or a publish (exit 7) failure. */
  phase?: ToolPhase;
  /** Cancels the child (SIGKILL). */
  signal?: AbortSignal;
  /**
   * The host directory a failure for want of space refers to (a sandbox's box: the paths its tools name are
   * the box's own). Without it, the path the tool names, or cwd.
   */
  storageAt?: string;
  /** Exit statuses that are not failures (besides 0), e.g. dpkg-query's 1 for "some were not found". */
  okExitCodes?: number[];
  /** Stream stdout into this file (never into memory), at most `maxStdoutBytes` of it: the child is killed beyond. */
  stdoutFile?: string;
  maxStdoutBytes?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** 64 MiB of output per log file; then a note says the rest was dropped. */
export const DEFAULT_LOG_CAP = 64 * 1024 * 1024;
const TAIL_BYTES = 32 * 1024;
const TAIL_LINES = 25;

/** Last lines of a tool's output, for error messages. */
export function tail(text: string, lines = TAIL_LINES): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A log file that accepts at most `cap` bytes of output per command, and says when it dropped the rest. */
class CappedLog {
  private written = 0;
  private truncated = false;
  /** Why the file could not be written (a full disk): writing stops, and close() says so. */
  private failure?: NodeJS.ErrnoException;
  private constructor(private readonly stream: WriteStream | undefined, private readonly cap: number, private readonly file = '') {
    stream?.on('error', (error: NodeJS.ErrnoException) => (this.failure ??= error));
  }

  static async open(file: string | undefined, cap: number, header: string): Promise<CappedLog> {
    if (!file) return new CappedLog(undefined, cap);
    await mkdir(dirname(file), { recursive: true });
    const stream = createWriteStream(file, { flags: 'a' });
    const log = new CappedLog(stream, cap, file);
    stream.write(header);
    return log;
  }

  write(chunk: Buffer): void {
    if (!this.stream || this.truncated || this.failure) return;
    const room = this.cap - this.written;
    if (chunk.length <= room) {
      this.stream.write(chunk);
      this.written += chunk.length;
      return;
    }
    this.stream.write(chunk.subarray(0, Math.max(0, room)));
    this.stream.write(`\n[pkg2os: output truncated here: more than ${this.cap} bytes]\n`);
    this.written = this.cap;
    this.truncated = true;
  }

  async close(footer: string): Promise<void> {
    if (!this.stream) return;
    const stream = this.stream;
    if (!this.failure) await new Promise<void>((resolve) => stream.end(footer, () => resolve()).once('error', () => resolve()));
    else stream.destroy();
    if (this.failure) throw isStorageFailure(this.failure) ? storageError(this.failure, `the log ${this.file}`, this.file) : this.failure;
  }
}

/** Run `tool args…`; resolves with its output or rejects with a typed error. */
export async function run(tool: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const shown = [tool, ...args].join(' ');
  const started = Date.now();
  const took = () => `${((Date.now() - started) / 1000).toFixed(2)} s`;
  const log = await CappedLog.open(options.logFile, options.logCapBytes ?? DEFAULT_LOG_CAP, `$ ${shown}\n`);
  const capture = options.capture ?? true;
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let recent = Buffer.alloc(0);
  const keepTail = (chunk: Buffer) => {
    recent = Buffer.concat([recent, chunk]);
    if (recent.length > TAIL_BYTES) recent = recent.subarray(recent.length - TAIL_BYTES);
  };
  const child = execa(tool, args, {
    cwd: options.cwd,
    env: options.cleanEnv ? (options.env ?? {}) : childEnvironment(options.env),
    extendEnv: false,
    input: options.input,
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    cancelSignal: options.signal,
    buffer: false,
    stripFinalNewline: false,
    reject: false,
  });
  const tracked = killOnStop({ kill: (signal) => child.kill(signal), exited: child.then(() => undefined, () => undefined) });
  let tooLarge = false;
  let written = 0;
  const toFile = options.stdoutFile
    ? pipeline(
        child.stdout!,
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            written += chunk.length;
            if (written > (options.maxStdoutBytes ?? Infinity)) {
              tooLarge = true;
              child.kill('SIGKILL');
              return callback(new Error('too large'));
            }
            callback(null, chunk);
          },
        }),
        createWriteStream(options.stdoutFile, { mode: 0o600 }),
      ).then(
        () => undefined,
        (error: NodeJS.ErrnoException) => error,
      )
    : undefined;
  if (!options.stdoutFile) {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (capture) stdout.push(chunk);
      log.write(chunk);
      keepTail(chunk);
    });
  }
  child.stderr?.on('data', (chunk: Buffer) => {
    if (capture) stderr.push(chunk);
    log.write(chunk);
    keepTail(chunk);
  });
  const result = await child.finally(() => tracked.release());
  const fileError = await toFile;
  if (fileError && !tooLarge) {
    await log.close('[output file not written]\n').catch(() => undefined);
    throw isStorageFailure(fileError) ? storageError(fileError, `the output of ${tool}`, options.stdoutFile) : fileError;
  }
  if (tooLarge) {
    await log.close('[output limit]\n');
    throw new ToolError(`${tool} wrote more than ${options.maxStdoutBytes} bytes${options.purpose ? ` while ${options.purpose}` : ''} and was stopped.`, shown, undefined, '', { phase: options.phase });
  }
  const tolerated = result.exitCode !== undefined && (options.okExitCodes ?? []).includes(result.exitCode) && !result.timedOut && !result.isCanceled;
  const failure = result.failed && !tolerated ? result : undefined;
  if (failure && (failure as { code?: string }).code === 'ENOENT' && failure.exitCode === undefined) {
    await log.close('[not found]\n');
    const pkg = packageForTool(tool);
    throw new ToolMissingError('TOOL_MISSING', `${tool} was not found on this system; pkg2os needs it${options.purpose ? ` for ${options.purpose}` : ''}.`, {
      hint: pkg ? `Install the Debian package \`${pkg}\` (apt-get install ${pkg}), or run \`make setup\`.` : 'Install it and make sure it is on PATH, or run `make setup`.',
      cause: failure,
    });
  }
  const status = !failure ? 'ok' : result.timedOut ? 'timed out' : result.isCanceled ? 'cancelled' : result.exitCode !== undefined ? `exit ${result.exitCode}` : (result.signal ?? 'killed');
  await log.close(`\n[${status}, ${took()}]\n`);
  if (!failure) return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  const output = tail(recent.toString('utf8'));
  const how = result.timedOut
    ? `timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)} s and was killed`
    : result.isCanceled
      ? 'was cancelled'
      : result.exitCode !== undefined
        ? `exited with status ${result.exitCode}`
        : `was killed by ${result.signal ?? 'a signal'}`;
  const storage = storageFailureIn(output, options.storageAt ?? options.cwd, options.storageAt !== undefined);
  if (storage && !result.timedOut && !result.isCanceled) throw storageError(storage, `${tool}${options.purpose ? `, ${options.purpose}` : ''}`);
  throw new ToolError(`${tool} ${how}${options.purpose ? ` while ${options.purpose}` : ''}.${options.logFile ? ` Full log: ${options.logFile}` : ''}`, shown, result.exitCode, output, {
    hint: options.hint,
    phase: options.phase,
    cause: failure,
  });
}

/** Find `tool` on PATH (or check an absolute path); undefined when absent. */
export async function findTool(tool: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = tool.includes('/') ? [tool] : path.split(':').filter(Boolean).map((dir) => `${dir}/${tool}`);
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fail before any work starts when a needed program is missing, naming the Debian packages to install. */
export async function requireTools(tools: readonly string[], purpose: string): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await findTool(tool))) missing.push(tool);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => packageForTool(t)).filter((p): p is string => p !== undefined))];
  throw new ToolMissingError('TOOL_MISSING', `pkg2os needs ${missing.join(', ')} for ${purpose}, and ${missing.length > 1 ? 'they are' : 'it is'} not installed (or not on PATH).`, {
    hint: packages.length ? `Install ${packages.map((p) => `\`${p}\``).join(', ')} (apt-get install ${packages.join(' ')}), or run \`make setup\`.` : 'Install it, or run `make setup`.',
  });
}
