/**
 * The one door to the outside world: every child process pkg2os starts goes
 * through `run()`. A missing program becomes a `ToolMissingError` that names the
 * Debian package to install; a failing one becomes a `ToolError` with the
 * command, its exit status and the tail of its output.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa, type ExecaError } from 'execa';
import { ToolError, ToolMissingError } from './errors.js';

/** Debian packages that provide the programs pkg2os runs. */
const TOOL_PACKAGES: Record<string, string> = {
  'dpkg-deb': 'dpkg',
  'dpkg': 'dpkg',
  'dpkg-architecture': 'dpkg-dev',
  rpmbuild: 'rpm',
  rpm: 'rpm',
  rpmsign: 'rpm',
  rpmkeys: 'rpm',
  lintian: 'lintian',
  unshare: 'util-linux',
  '/usr/bin/python3': 'python3',
  python3: 'python3',
  gpgv: 'gpgv',
  'createrepo_c': 'createrepo-c',
  'apt-get': 'apt',
  patch: 'patch',
  tar: 'tar',
  'dpkg-query': 'dpkg',
};

/** The Debian package that provides `tool`, for install hints. */
export function packageForTool(tool: string): string | undefined {
  return TOOL_PACKAGES[tool] ?? TOOL_PACKAGES[tool.split('/').pop() ?? tool];
}

export interface RunOptions {
  cwd?: string;
  /** Variables added to (or, with `extendEnv: false`, instead of) the environment. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  input?: string | Buffer;
  /** Append the command and its output to this log file. */
  logFile?: string;
  timeoutMs?: number;
  /** What the command was for, used in error messages ("building the wheel"). */
  purpose?: string;
  /** Extra text for the hint of a `ToolError`. */
  hint?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 25;

/** Last lines of a tool's output, for error messages. */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

async function appendLog(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, text);
}

/** Run `tool args…`; resolves with its output or rejects with a typed error. */
export async function run(tool: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const shown = [tool, ...args].join(' ');
  const started = Date.now();
  const took = () => `${((Date.now() - started) / 1000).toFixed(2)} s`;
  try {
    const result = await execa(tool, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: options.extendEnv ?? true,
      input: options.input,
      timeout: options.timeoutMs,
      all: true,
      stripFinalNewline: false,
    });
    if (options.logFile) await appendLog(options.logFile, `$ ${shown}\n${result.all ?? ''}\n[ok, ${took()}]\n`);
    return { stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    const e = error as ExecaError;
    if ((e as { code?: string }).code === 'ENOENT' && !e.exitCode) {
      const pkg = packageForTool(tool);
      throw new ToolMissingError('TOOL_MISSING', `${tool} was not found on this system; pkg2os needs it${options.purpose ? ` for ${options.purpose}` : ''}.`, {
        hint: pkg ? `Install the Debian package \`${pkg}\` (apt-get install ${pkg}), or run \`make setup\`.` : 'Install it and make sure it is on PATH, or run `make setup`.',
        cause: error,
      });
    }
    const output = String(e.all ?? `${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    if (options.logFile) await appendLog(options.logFile, `$ ${shown}\n${output}\n[exit ${e.exitCode ?? e.signal ?? '?'}, ${took()}]\n`);
    const status = e.timedOut ? `timed out after ${options.timeoutMs} ms` : e.exitCode !== undefined ? `exited with status ${e.exitCode}` : `was killed by ${e.signal ?? 'a signal'}`;
    const where = options.logFile ? `\nFull log: ${options.logFile}` : '';
    throw new ToolError(
      `${tool} ${status}${options.purpose ? ` while ${options.purpose}` : ''}. Its last lines of output:\n${tail(output)}${where}`,
      shown,
      e.exitCode,
      tail(output),
      { hint: options.hint, cause: error },
    );
  }
}

/** Find `tool` on PATH (or check an absolute path); undefined when absent. */
export async function findTool(tool: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  const { access } = await import('node:fs/promises');
  const { constants } = await import('node:fs');
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
