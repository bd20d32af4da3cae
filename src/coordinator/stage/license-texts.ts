/** The upstream license texts a package's copyright file carries, from its .dist-info directory. */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { walkFiles } from '../../fs-walk.js';

/** License files from the .dist-info directory (License-File metadata, the licenses/ folder, LICENSE*-like names), each text once. */
export async function readLicenseTexts(root: string, distInfo: string, licenseFiles: string[]): Promise<{ name: string; text: string }[]> {
  const dir = join(root, distInfo);
  const names = new Set<string>();
  for (const f of licenseFiles) names.add(join('licenses', f)).add(f);
  for (const f of await walkFiles(join(dir, 'licenses'))) names.add(join('licenses', f));
  for (const f of await walkFiles(dir)) if (!f.includes('/') && /^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)/i.test(f)) names.add(f);
  const texts: { name: string; text: string }[] = [];
  const seen = new Set<string>();
  for (const name of [...names].sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text === undefined || seen.has(text)) continue;
    seen.add(text);
    texts.push({ name: basename(name), text });
  }
  return texts;
}
