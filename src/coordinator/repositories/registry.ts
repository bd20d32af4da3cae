/**
 * The kinds of repository pkg2os publishes, by name: each family names its
 * own (families/<family>/…/kind.ts). A new kind is its folder and one line here.
 */
import type { RepositoryKind } from '../publish/repository-kind.js';
import { aptKind } from '../../families/debian/apt/kind.js';
import { yumKind } from '../../families/rpm/yum/kind.js';

export const REPOSITORY_KINDS: readonly RepositoryKind[] = [aptKind as RepositoryKind, yumKind as RepositoryKind];

/** The kind of repository a package file goes into, if any takes it. */
export function kindFor(file: string): RepositoryKind | undefined {
  return REPOSITORY_KINDS.find((k) => k.accepts(file));
}
