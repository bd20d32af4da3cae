/**
 * Running a dependency graph of jobs with p-queue: a job starts when the jobs
 * it depends on have succeeded, at most `concurrency` at a time. Cycles are
 * collapsed first (Tarjan's strongly connected components): the members of a
 * cycle run side by side, and if one fails the others fail with it, after the
 * fact. A failure fails every job that depends on it, with its cause.
 */
import PQueue from 'p-queue';

export interface GraphJob<T> {
  key: string;
  /** Keys of the jobs this one needs; keys that are neither a job nor a known failure are ignored. */
  dependencies: readonly string[];
  run(): Promise<T>;
}

export type JobOutcome<T> =
  | { ok: true; value: T }
  /** `error` is its own failure; `becauseOf` names the dependency (or cycle member) that failed instead, and `value` what it made before its cycle failed. */
  | { ok: false; error?: unknown; becauseOf?: string; value?: T };

/** The strongly connected components of a graph, each a list of keys, dependencies before dependents. */
export function stronglyConnected(keys: readonly string[], edges: (key: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component.sort());
    }
  };
  for (const key of keys) if (!index.has(key)) visit(key);
  return components;
}

/** Run `jobs` in dependency order; `failed` are keys that failed before (planning), which their dependents fail with. */
export async function runGraph<T>(jobs: readonly GraphJob<T>[], options: { concurrency: number; failed?: Iterable<string> }): Promise<Map<string, JobOutcome<T>>> {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const preFailed = new Set(options.failed ?? []);
  const edges = (key: string) => (byKey.get(key)?.dependencies ?? []).filter((d) => d !== key && (byKey.has(d) || preFailed.has(d)));
  const outcomes = new Map<string, JobOutcome<T>>();
  for (const key of preFailed) if (!byKey.has(key)) outcomes.set(key, { ok: false });
  const components = stronglyConnected([...byKey.keys()], (k) => edges(k).filter((d) => byKey.has(d)));
  const componentOf = new Map<string, number>();
  components.forEach((members, i) => members.forEach((m) => componentOf.set(m, i)));
  const queue = new PQueue({ concurrency: Math.max(1, options.concurrency) });
  const done = new Map<number, Promise<void>>();

  const settle = (i: number): Promise<void> => {
    let promise = done.get(i);
    if (promise) return promise;
    promise = (async () => {
      const members = components[i]!;
      const external = [...new Set(members.flatMap(edges))].filter((d) => componentOf.get(d) !== i);
      await Promise.all(external.filter((d) => byKey.has(d)).map((d) => settle(componentOf.get(d)!)));
      const failedDep = external.find((d) => outcomes.get(d)?.ok === false);
      if (failedDep) {
        for (const m of members) outcomes.set(m, { ok: false, becauseOf: failedDep });
        return;
      }
      await Promise.all(
        members.map((m) =>
          queue.add(async () => {
            try {
              outcomes.set(m, { ok: true, value: await byKey.get(m)!.run() });
            } catch (error) {
              outcomes.set(m, { ok: false, error });
            }
          }),
        ),
      );
      // Members of a cycle need each other: one failure fails them all.
      const failedMember = members.find((m) => outcomes.get(m)?.ok === false);
      if (failedMember && members.length > 1) {
        for (const m of members) {
          const outcome = outcomes.get(m)!;
          if (outcome.ok) outcomes.set(m, { ok: false, becauseOf: failedMember, value: outcome.value });
        }
      }
    })();
    done.set(i, promise);
    return promise;
  };
  await Promise.all(components.map((_, i) => settle(i)));
  return outcomes;
}
