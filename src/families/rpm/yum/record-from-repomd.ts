/**
 * The yum record, rebuilt when it is lost: from the last signed metadata,
 * never from whatever files lie in Packages/. repomd.xml.asc must verify with
 * the repository's key (gpgv), primary.xml must have the digest repomd.xml
 * lists, and each rpm the digest primary.xml lists.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Parser } from 'htmlparser2';
import { fileDigest } from '../../../digest.js';
import { PublishError } from '../../../errors.js';
import { run } from '../../../exec.js';
import { gpgvCheck } from '../../../coordinator/publish/self-check.js';

/** A package as primary.xml lists it. */
export interface ListedRpm {
  file: string;
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  sha256: string;
}

function tampered(what: string): PublishError {
  return new PublishError('PUBLISH_TAMPERED', `${what}; pkg2os will not publish over it.`, {
    hint: 'Find out who changed the repository. Restore it from a backup, or publish into a new repository root.',
  });
}

/** Elements of an XML document as (name, attributes, text) in document order. */
function xmlElements(xml: string): Array<{ name: string; attrs: Record<string, string>; text: string }> {
  const out: Array<{ name: string; attrs: Record<string, string>; text: string }> = [];
  const open: number[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        open.push(out.length);
        out.push({ name, attrs, text: '' });
      },
      ontext(text) {
        const top = open[open.length - 1];
        if (top !== undefined) out[top]!.text += text;
      },
      onclosetag() {
        open.pop();
      },
    },
    { xmlMode: true },
  );
  parser.write(xml);
  parser.end();
  return out;
}

/** The rpms the signed metadata of the repository at `yumRoot` lists (empty when it was never published); each hashed and compared unless `hashFiles` is false. */
export async function recordFromSignedMetadata(yumRoot: string, keyring: string, hashFiles = true): Promise<ListedRpm[]> {
  const repodata = join(yumRoot, 'repodata');
  if (!(await stat(join(repodata, 'repomd.xml.asc')).catch(() => undefined))) return [];
  await gpgvCheck(keyring, join(repodata, 'repomd.xml.asc'), join(repodata, 'repomd.xml'), 'live repomd.xml.asc').catch((error: unknown) => {
    throw tampered(`The yum record is lost and the live repomd.xml does not verify with the repository's key (${(error as Error).message})`);
  });
  const repomd = xmlElements(await readFile(join(repodata, 'repomd.xml'), 'utf8'));
  const start = repomd.findIndex((e) => e.name === 'data' && e.attrs.type === 'primary');
  const checksum = repomd.slice(start).find((e) => e.name === 'checksum')?.text.trim();
  const href = repomd.slice(start).find((e) => e.name === 'location')?.attrs.href;
  if (start < 0 || !checksum || !href || !/^repodata\/[^/]+$/.test(href)) throw tampered('The live repomd.xml names no primary metadata');
  const compressed = join(yumRoot, href);
  if ((await fileDigest(compressed).catch(() => '')) !== checksum) throw tampered(`${compressed} is not the primary metadata the signed repomd.xml lists`);
  const tool = href.endsWith('.xz') ? ['xz', '-dc'] : href.endsWith('.gz') ? ['gzip', '-dc'] : href.endsWith('.zst') ? ['zstd', '-dcq'] : ['cat'];
  const primary = (await run(tool[0]!, [...tool.slice(1), compressed], { purpose: 'reading the signed primary metadata', phase: 'publish' })).stdout;
  const listed: ListedRpm[] = [];
  let current: Partial<ListedRpm> = {};
  for (const e of xmlElements(primary)) {
    if (e.name === 'package') current = {};
    else if (e.name === 'name' && current.name === undefined) current.name = e.text.trim();
    else if (e.name === 'arch') current.arch = e.text.trim();
    else if (e.name === 'version') Object.assign(current, { epoch: Number(e.attrs.epoch ?? 0), version: e.attrs.ver, release: e.attrs.rel });
    else if (e.name === 'checksum' && e.attrs.type === 'sha256') current.sha256 = e.text.trim();
    else if (e.name === 'location' && e.attrs.href) {
      current.file = e.attrs.href;
      if (/^Packages\/[^/]+\.rpm$/.test(current.file)) listed.push(current as ListedRpm);
    }
  }
  const present: ListedRpm[] = [];
  for (const rpm of listed) {
    const path = join(yumRoot, rpm.file);
    if (hashFiles && !(await stat(path).catch(() => undefined))?.isFile()) continue;
    const sha256 = hashFiles ? await fileDigest(path) : rpm.sha256;
    if (sha256 !== rpm.sha256) throw tampered(`${rpm.file} is not the rpm the signed metadata lists (its sha256 is ${sha256})`);
    present.push(rpm);
  }
  return present;
}
