/** yum's repomd.xml, as far as publishing needs it. */

/** The files a repomd.xml points at (repodata/<name>). */
export function repomdLocations(xml: string): Set<string> {
  return new Set([...xml.matchAll(/<location\s+href="repodata\/([^"]+)"/g)].map((m) => m[1]!));
}
