/** The plan as `--dry-run --json` prints it: what would be built, from which file, for which target. */
import { familyOf } from '../../families/registry.js';
import { redactUrl } from '../../url-policy.js';
import type { ResolvedPlan } from '../plan/plan.types.js';
import { PKG2OS_VERSION } from '../../version.js';
import type { BuildRequest } from '../../config/build-request.js';
import { toFailureReport } from './failures.js';
import type { PlanReport } from './report.js';

export function planReport(request: BuildRequest, plans: ResolvedPlan[]): PlanReport {
  return {
    pkg2os: PKG2OS_VERSION,
    indexUrl: redactUrl(request.indexUrl),
    plan: plans.flatMap((p) =>
      p.items.map((item) => ({
        target: p.target.name,
        project: item.project,
        version: item.kind === 'build' ? item.candidate.version : undefined,
        file: item.kind === 'build' ? item.candidate.file.filename : undefined,
        url: item.kind === 'build' ? redactUrl(item.candidate.file.url) : undefined,
        formats: item.kind === 'build' ? [familyOf(p.target).format] : [],
        providedBy: item.kind === 'provided' ? { [familyOf(p.target).format]: item.package } : {},
        requiredBy: item.requiredBy,
        dependencies: item.dependencies.map((d) => d.source),
      })),
    ),
    failures: plans.flatMap((p) => p.failed.map((f) => toFailureReport({ project: f.project, version: f.version, target: p.target.name, requiredBy: f.requiredBy, error: f.error }))),
  };
}
