import type { QueueItem } from '@fulcrum/wire';

/**
 * What the server announces after a transaction commits. Events are live notifications only:
 * the durable truth is in SQL, so a lost event delays a push until the device's next fetch or
 * reconnect but loses nothing (issue 4: NATS carries these between processes).
 */
export type BusEvent =
  | {
      /** New items were committed to a device's queue; `items` is a hint (the queue in SQL is the truth). */
      type: 'queue.appended';
      deviceId: string;
      /** The highest seq now in the queue. */
      lastSeq: number;
      /** The appended items, when small enough to carry (in-process bus). */
      items?: readonly QueueItem[];
    }
  | {
      /** A device was revoked: close its live connections. */
      type: 'device.revoked';
      deviceId: string;
    }
  | {
      /**
       * Events for this device may have been lost (the NATS link was down): re-read its queue
       * from SQL. Raised by a bus for its own subscribers, never published by a transaction.
       */
      type: 'bus.resync';
      deviceId: string;
    };

export type Unsubscribe = () => void;

/**
 * Live fan-out between the transaction that commits and the connections that push. Events
 * are published only after commit (see `Database.transaction`).
 */
export interface Bus {
  publish(events: readonly BusEvent[]): void;
  /** Calls `handler` for each event about `deviceId`, in publication order. */
  subscribe(deviceId: string, handler: (event: BusEvent) => void): Unsubscribe;
  close(): Promise<void>;
}
