/** Measuring for the benchmarks: wall time and peak RSS through GNU time, and the rows of the results table. */
import { execa } from 'execa';

export interface Measure {
  seconds: number;
  maxRssMiB: number;
}

/** Wall time and peak RSS of a command, through GNU time. */
export async function measure(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measure> {
  const start = process.hrtime.bigint();
  const r = await execa('/usr/bin/time', ['-v', cmd, ...args], { ...options, reject: false, all: true });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${String(r.all).slice(-3000)}`);
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(String(r.stderr))?.[1] ?? 0);
  return { seconds, maxRssMiB: Math.round(rss / 1024) };
}

export const rows: string[] = [];
export const row = (name: string, ours: Measure, floor: Measure | undefined, target: string) => {
  const ratio = floor ? ours.seconds / floor.seconds : undefined;
  const line = `| ${name} | ${ours.seconds.toFixed(2)} s (${ours.maxRssMiB} MiB) | ${floor ? `${floor.seconds.toFixed(2)} s (${floor.maxRssMiB} MiB)` : '—'} | ${ratio !== undefined ? ratio.toFixed(3) : '—'} | ${target} |`;
  rows.push(line);
  process.stdout.write(`${line}\n`);
};

