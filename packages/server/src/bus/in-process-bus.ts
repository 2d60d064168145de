import type { Bus, BusEvent, Unsubscribe } from './bus.js';

/** The single-process bus: a map from device id to its live subscribers. */
export class InProcessBus implements Bus {
  readonly #subscribers = new Map<string, Set<(event: BusEvent) => void>>();

  publish(events: readonly BusEvent[]): void {
    for (const event of events) {
      const subs = this.#subscribers.get(event.deviceId);
      if (subs === undefined) continue;
      for (const handler of [...subs]) {
        try {
          handler(event);
        } catch {
          // A subscriber's failure must not stop delivery to the others; each connection
          // handles its own errors and the durable queue is unaffected.
        }
      }
    }
  }

  subscribe(deviceId: string, handler: (event: BusEvent) => void): Unsubscribe {
    let subs = this.#subscribers.get(deviceId);
    if (subs === undefined) {
      subs = new Set();
      this.#subscribers.set(deviceId, subs);
    }
    subs.add(handler);
    return () => {
      const set = this.#subscribers.get(deviceId);
      if (set === undefined) return;
      set.delete(handler);
      if (set.size === 0) this.#subscribers.delete(deviceId);
    };
  }

  /** Number of devices with at least one subscriber (for tests and metrics). */
  get subscribedDevices(): number {
    return this.#subscribers.size;
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
  }
}
