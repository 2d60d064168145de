/**
 * Runs async tasks one at a time, in call order. The client funnels every operation that reads
 * and then replaces device state (queue processing, sends, commits) through one Serial, because
 * MLS states are values: two operations interleaving on the same state would fork it (and reuse
 * a ratchet generation, i.e. a nonce).
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // Keep the chain alive whatever the task did; callers see the task's own outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
