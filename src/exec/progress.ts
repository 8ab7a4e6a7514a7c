/**
 * Progress on stderr: a bar with rate and ETA when stderr is a TTY (cli-progress), one
 * summary line otherwise. Never writes to stdout.
 */
import cliProgress from 'cli-progress';

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private done = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly title: string,
  ) {
    if (enabled && process.stderr.isTTY && total > 0) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${title} |{bar}| {percentage}% {value}/{total} · {rate}/s · ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { rate: '0' });
    }
  }

  tick(n: number): void {
    this.done += n;
    if (this.bar) {
      const s = (performance.now() - this.t0) / 1000;
      this.bar.update(this.done, { rate: Math.round(this.done / Math.max(s, 1e-9)).toLocaleString('en') });
    }
  }

  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    } else if (this.enabled && this.total > 0) {
      const s = (performance.now() - this.t0) / 1000;
      process.stderr.write(`${this.title}: ${this.done} done in ${s.toFixed(2)} s (${Math.round(this.done / Math.max(s, 1e-9)).toLocaleString('en')}/s)\n`);
    }
  }
}
