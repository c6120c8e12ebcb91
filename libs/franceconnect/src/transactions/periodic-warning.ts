/**
 * A warning written at most once a minute, with the count of what happened since the last line: what a
 * flood repeats (refused starts, dropped transactions) must not write a line per request, since a log is
 * a disk to fill too.
 */
export class PeriodicWarning {
  private count = 0;
  private next = 0;

  constructor(
    private readonly write: (count: number) => void,
    private readonly intervalMs = 60_000,
  ) {}

  /** Counts `n` more events, and writes the line when a minute has passed since the last one. */
  add(n = 1): void {
    this.count += n;
    const now = Date.now();
    if (now < this.next) return;
    this.next = now + this.intervalMs;
    this.write(this.count);
    this.count = 0;
  }
}
