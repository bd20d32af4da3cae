/** A repeatable, comma-separated option (`--target a,b --target c`) as commander's argParser: the values so far and these. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}
