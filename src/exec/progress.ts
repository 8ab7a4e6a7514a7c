/**
 * Progress on stderr: a bar with rate and ETA when stderr is a TTY (cli-progress), one
 * summary line otherwise. Never writes to stdout.
 */
import cliProgress from 'cli-progress';

/**
 * The time left as a person reads it: "42 s", "4 min 05 s", "1 h 05 min"; "…" while unknown
 * (cli-progress passes "NULL" or "INF" then, and its default prints "01m60s" for 119.7 s).
 */
export function fmtEta(t: number | string): string {
  const x = typeof t === 'number' ? t : Number(t);
  if (!Number.isFinite(x) || x < 0) return '…';
  const s = Math.round(x);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

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
          formatTime: (t: number) => fmtEta(t),
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
