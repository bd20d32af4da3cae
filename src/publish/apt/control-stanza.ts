/**
 * deb822 stanzas (Debian Policy §5.1): fields in order, continuation lines
 * kept verbatim. Used to turn a package's control file into its Packages entry.
 */

export type Stanza = Array<[field: string, value: string]>;

export function parseStanza(text: string): Stanza {
  const fields: Stanza = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && fields.length > 0) {
      fields[fields.length - 1]![1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return fields;
}

export function field(stanza: Stanza, name: string): string | undefined {
  const lower = name.toLowerCase();
  return stanza.find(([f]) => f.toLowerCase() === lower)?.[1];
}

/** Insert `extra` fields before Description (where dpkg-scanpackages puts them) and format. */
export function formatStanza(stanza: Stanza, extra: Stanza = []): string {
  const out = [...stanza];
  const at = out.findIndex(([f]) => f.toLowerCase() === 'description');
  out.splice(at < 0 ? out.length : at, 0, ...extra);
  return out.map(([f, v]) => `${f}: ${v}`).join('\n') + '\n';
}
