/**
 * The distribution's own Python, which builds and stages every package
 * (`/usr/bin/python3`; the `python3` first on PATH may be another one).
 */
import { run } from '../exec.js';

export const SYSTEM_PYTHON = '/usr/bin/python3';

let hostPython: Promise<string> | undefined;

/** "X.Y" of /usr/bin/python3. */
export function hostPythonVersion(): Promise<string> {
  hostPython ??= run(SYSTEM_PYTHON, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { purpose: 'finding the system Python version' }).then((r) => r.stdout.trim());
  return hostPython;
}
