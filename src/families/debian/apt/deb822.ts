/**
 * deb822 (Debian Policy §5.1; man deb822), the one parser of pkg2os for
 * control files, Packages stanzas and Release files: paragraphs of fields,
 * continuation lines kept verbatim, field names compared without case.
 */

/** One paragraph: fields in order, each value with its continuation lines ("\n ..."). */
export type Paragraph = Array<[field: string, value: string]>;

/** Split text into paragraphs (separated by blank lines). */
export function parseParagraphs(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let current: Paragraph = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '') {
      if (current.length > 0) paragraphs.push(current);
      current = [];
      continue;
    }
    if (/^[ \t]/.test(line) && current.length > 0) {
      current[current.length - 1]![1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  if (current.length > 0) paragraphs.push(current);
  return paragraphs;
}

/** The first paragraph of `text` (a control file). */
export function parseParagraph(text: string): Paragraph {
  return parseParagraphs(text)[0] ?? [];
}

export function field(paragraph: Paragraph, name: string): string | undefined {
  const lower = name.toLowerCase();
  return paragraph.find(([f]) => f.toLowerCase() === lower)?.[1];
}

/** Insert `extra` fields before Description (where dpkg-scanpackages puts them) and format, ending with a newline. */
export function formatParagraph(paragraph: Paragraph, extra: Paragraph = []): string {
  const out = [...paragraph];
  const at = out.findIndex(([f]) => f.toLowerCase() === 'description');
  out.splice(at < 0 ? out.length : at, 0, ...extra);
  return out.map(([f, v]) => `${f}: ${v}`).join('\n') + '\n';
}
