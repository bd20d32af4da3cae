/**
 * The live view on a terminal: one line per running job with its phase and
 * time, counts of package files built / reused / failed, and the elapsed
 * time, redrawn in place (log-update). Warnings and other messages are
 * printed above it and stay. In CI, on a pipe, or with --no-progress the CLI
 * uses plain one-line-per-event logs instead (stderrLogger).
 */
import { createLogUpdate } from 'log-update';
import { type Logger, describeStep } from '../log.js';
import { visible } from '../text.js';

export interface ProgressView extends Logger {
  /** Remove the view; what was printed above it stays. */
  stop(): void;
}

/** Whether stderr is a terminal a live view can redraw (with a size; not CI, not TERM=dumb). */
export function canShowProgress(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && (stream.rows ?? 0) > 0 && (stream.columns ?? 0) > 0 && !process.env.CI && process.env.TERM !== 'dumb';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function progressView(verbose: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const update = createLogUpdate(stream, { showCursor: false });
  const started = Date.now();
  const running = new Map<string, { phase: string; since: number }>();
  const counts = { built: 0, reused: 0, failed: 0 };
  let stopped = false;

  const render = () => {
    if (stopped) return;
    const now = Date.now();
    const width = Math.max(40, (stream.columns ?? 100) - 1);
    const head = `pkg2os ${seconds(now - started)}  built ${counts.built} · reused ${counts.reused} · failed ${counts.failed} · running ${running.size}`;
    const jobs = [...running].map(([job, r]) => `  ${job.padEnd(28)} ${r.phase} (${seconds(now - r.since)})`);
    update([head, ...jobs].map((l) => visible(l.replace(/\n/g, ' '))).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join('\n'));
  };
  const above = (text: string) => {
    const line = visible(text);
    if (stopped) {
      stream.write(`${line}\n`);
      return;
    }
    update.clear();
    stream.write(`${line}\n`);
    render();
  };
  const timer = setInterval(render, 200);
  timer.unref();

  return {
    info: (m) => above(`pkg2os: ${m}`),
    warn: (m) => above(`pkg2os: warning: ${m}`),
    debug: (m) => {
      if (verbose) above(`pkg2os: ${m}`);
    },
    progress: {
      step(job, step) {
        running.set(job, { phase: describeStep(step, false), since: Date.now() });
        if (verbose) above(`pkg2os: ${job}: ${describeStep(step)}`);
        else render();
      },
      file(_job, outcome) {
        counts[outcome]++;
        render();
      },
      end(job) {
        running.delete(job);
        render();
      },
    },
    stop() {
      if (stopped) return;
      clearInterval(timer);
      update.clear();
      stopped = true;
    },
  };
}
