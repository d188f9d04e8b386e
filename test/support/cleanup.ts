// One way to take down what a test set up (daemons, servers, rows made through the API): each step runs, newest first,
// even when an earlier one fails, so nothing outlives the test; the first failure is reported.
export class Cleanups {
  private steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step added so far, newest first; throws the first failure after all have run. */
  async run(): Promise<void> {
    let failed: unknown;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        failed ??= err;
      }
    }
    if (failed) throw failed;
  }
}
