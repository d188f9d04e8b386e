// A background job's timer loop: one run at a time, a tick time for liveness, and a stop that waits for the run.
import type { Logger } from 'pino';

export class JobLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** When the last run ended, well or badly: liveness asks whether the loop still ticks, not whether runs succeed. */
  lastTickAt = Date.now();

  constructor(
    private readonly name: string,
    private readonly intervalMs: () => number,
    private readonly run: () => Promise<unknown>,
    private readonly log: Logger,
    private readonly onError: () => void = () => {},
  ) {}

  start(firstDelayMs = this.intervalMs()): void {
    const tick = () => {
      this.running = this.run()
        .catch((err) => {
          this.onError();
          this.log.error({ err: (err as Error).message }, `${this.name} run failed`);
        })
        .finally(() => {
          this.lastTickAt = Date.now();
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs());
        });
    };
    this.timer = setTimeout(tick, firstDelayMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** False when no run has ended for five intervals (at least five minutes): the loop is wedged. */
  healthy(now = Date.now()): boolean {
    return now - this.lastTickAt < Math.max(this.intervalMs() * 5, 5 * 60_000);
  }
}
