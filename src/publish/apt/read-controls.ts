/** Control files of many .debs: one python3-apt process for all of them (dpkg-deb per file when python3-apt is missing). */
import { basename } from 'node:path';
import { run } from '../../exec.js';
import { SYSTEM_PYTHON } from '../../host/system-python.js';
import { shipped } from '../../paths.js';

async function readControl(deb: string): Promise<string> {
  return (await run('dpkg-deb', ['-f', deb], { purpose: `reading the control file of ${basename(deb)}`, phase: 'publish' })).stdout;
}

export async function readControls(files: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (files.length === 0) return out;
  try {
    const { stdout } = await run(SYSTEM_PYTHON, [shipped('src', 'publish', 'apt', 'read-controls.py')], { input: files.join('\n'), purpose: 'reading control files', phase: 'publish' });
    for (const [path, control] of Object.entries(JSON.parse(stdout) as Record<string, string>)) out.set(path, control);
  } catch {
    for (const file of files) out.set(file, await readControl(file));
  }
  return out;
}
