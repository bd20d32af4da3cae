/**
 * The control file and digests of .debs: for a few, dpkg-deb -f each and the
 * digests here (in parallel); for many, one python3-apt process reads each
 * file once for both (dpkg-deb per file when python3-apt is missing).
 */
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { fileDigests } from '../../../digest.js';
import { run } from '../../../exec.js';
import { SYSTEM_PYTHON } from '../../../host/system-python.js';
import { shipped } from '../../../paths.js';

export interface DebFacts {
  control: string;
  sha256: string;
  sha512: string;
  size: number;
}

async function readOne(deb: string): Promise<DebFacts> {
  const [control, digests, st] = await Promise.all([run('dpkg-deb', ['-f', deb], { purpose: `reading the control file of ${basename(deb)}`, phase: 'publish' }), fileDigests(deb), stat(deb)]);
  return { control: control.stdout, ...digests, size: st.size };
}

export async function readDebs(files: readonly string[]): Promise<Map<string, DebFacts>> {
  const out = new Map<string, DebFacts>();
  if (files.length === 0) return out;
  if (files.length > 8) {
    try {
      const { stdout } = await run(SYSTEM_PYTHON, [shipped('src', 'families', 'debian', 'apt', 'read-controls.py')], { input: files.join('\n'), purpose: 'reading control files', phase: 'publish' });
      const read = JSON.parse(stdout) as Record<string, DebFacts>;
      return new Map(files.map((f) => [f, read[f]!]));
    } catch {
      // python3-apt missing: one dpkg-deb per file.
    }
  }
  for (const [k, facts] of (await Promise.all(files.map(readOne))).entries()) out.set(files[k]!, facts);
  return out;
}
