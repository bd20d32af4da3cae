/** The package formats pkg2os can build, by name. A new format is one folder and one line here. */
import type { PackageFormat } from '../config/targets.js';
import { debPackager } from './deb/deb-packager.js';
import type { Packager } from './packager.types.js';
import { rpmPackager } from './rpm/rpm-packager.js';

export const PACKAGERS: Record<PackageFormat, Packager> = {
  deb: debPackager,
  rpm: rpmPackager,
};
