// A part of the running daemon with its start-up work and its stop; Parts starts them in order and stops them backwards.

/** What a part's stop is given. */
export interface Stopping {
  /** DNS01_SHUTDOWN_TIMEOUT after the stop began: requests and job runs still going then are cut off. */
  readonly deadline: Promise<void>;
  /** Hands over a stop that runs on while the parts before it stop; settled() waits for every one handed over. */
  alongside(stopping: Promise<unknown> | undefined): void;
  settled(): Promise<void>;
}

export interface Part {
  name: string;
  start?(): unknown;
  stop?(stopping: Stopping): unknown;
}

export class Parts {
  private readonly started: Part[] = [];

  constructor(private readonly shutdownTimeoutMs: number) {}

  /** Starts each in turn; when one fails, the parts started so far are stopped (backwards) and the error is thrown. */
  async start(parts: readonly Part[]): Promise<void> {
    for (const part of parts) {
      await this.during(() => part.start?.());
      this.started.push(part);
    }
  }

  /** Start-up work between parts (building the services, the app): a failure stops the parts started so far. */
  async during<T>(work: () => T | Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Stops every started part, the last started first, each after the one before it finished. */
  async stop(): Promise<void> {
    const deadline = new Promise<void>((r) => setTimeout(r, this.shutdownTimeoutMs).unref());
    const running: Promise<unknown>[] = [];
    const stopping: Stopping = {
      deadline,
      alongside: (p) => {
        if (!p) return;
        // Waited for in settled(); a failure is its caller's, not an unhandled rejection meanwhile.
        p.catch(() => undefined);
        running.push(p);
      },
      settled: async () => {
        await Promise.all(running);
      },
    };
    for (const part of this.started.splice(0).reverse()) await part.stop?.(stopping);
  }
}
