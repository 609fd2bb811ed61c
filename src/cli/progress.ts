// A progress bar on stderr for long work, only when stderr is a terminal and not --json.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(label: string, enabled: boolean, unit = 'MB'): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {extra}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, payload = {}) {
      const extra = Object.entries(payload)
        .map(([k, v]) => `${k} ${v}`)
        .join(' ');
      if (!started) {
        bar.start(Math.max(total, 1), done, { extra });
        started = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, { extra });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
