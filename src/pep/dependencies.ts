/**
 * The runtime requirements of a distribution for a target: its Requires-Dist
 * (core metadata) with PEP 508 markers evaluated in the target's environment.
 */
import { BuildError } from '../errors.js';
import { type MarkerEnvironment, evaluateMarker } from './markers.js';
import { parseRequirement, type Requirement } from './requirement.js';

/** Requires-Dist entries whose markers hold for the target with `extra` ('' = none). */
export function requirementsFor(requiresDist: readonly string[], env: MarkerEnvironment, extra: string, self: string): Requirement[] {
  const out: Requirement[] = [];
  for (const text of requiresDist) {
    let req: Requirement;
    try {
      req = parseRequirement(text);
    } catch (error) {
      throw new BuildError('INVALID_METADATA', `The metadata of ${self} has a Requires-Dist that does not parse: "${text}".`, {
        hint: `Report it upstream; a recipe for ${self} can drop the dependency.`,
        cause: error,
      });
    }
    if (req.project === self && req.extras.length === 0) continue;
    if (!req.marker) {
      if (extra === '') out.push(req);
      continue;
    }
    const withExtra = evaluateMarker(req.marker, env, extra ? [extra] : []);
    const without = evaluateMarker(req.marker, env, []);
    if (extra === '' ? without : withExtra && !without) out.push(req);
  }
  return out;
}
