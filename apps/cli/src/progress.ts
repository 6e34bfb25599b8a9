/**
 * A progress line on stderr for long work (replay, features, training): rate, done/total, ETA.
 * On a terminal it redraws one line; in CI or a pipe it prints a line every few seconds instead.
 */
export interface ProgressOptions {
  readonly label: string;
  readonly unit: string;
  /** Total work in `totalUnit`s when known (bytes of a file). */
  readonly total?: number;
  readonly enabled?: boolean;
  readonly stream?: NodeJS.WriteStream;
}

export class Progress {
  private readonly started = Date.now();
  private lastDraw = Date.now();
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly stream: NodeJS.WriteStream;
  private drewTty = false;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.interval = this.tty ? 250 : 5000;
  }

  /**
   * `count`: units done; `done`: bytes consumed (compared with total); `extra`: appended text, or a
   * function that makes it, called only when a line is drawn.
   */
  update(count: number, done?: number, extra: string | (() => string) = ''): void {
    if (this.options.enabled === false) return;
    const now = Date.now();
    if (now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    this.draw(count, done, typeof extra === 'function' ? extra() : extra, now);
  }

  finish(): void {
    if (this.drewTty) this.stream.write('\n');
  }

  private draw(count: number, done: number | undefined, extra: string, now: number): void {
    const secs = Math.max((now - this.started) / 1000, 0.001);
    const rate = count / secs;
    let text = `${this.options.label}: ${formatCount(count)} ${this.options.unit} (${formatCount(rate)}/s)`;
    const total = this.options.total;
    if (total && done !== undefined && total > 0) {
      const share = Math.min(done / total, 1);
      const eta = share > 0 ? (secs / share) * (1 - share) : 0;
      text += ` ${(share * 100).toFixed(1)}% eta ${formatDuration(eta)}`;
    }
    if (extra) text += ` ${extra}`;
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.drewTty = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}
