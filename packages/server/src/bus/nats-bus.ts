import { randomBytes } from 'node:crypto';
import { connect, Events, type NatsConnection, type Subscription } from 'nats';
import type { Bus, BusEvent, Unsubscribe } from './bus.js';
import { InProcessBus } from './in-process-bus.js';

/** How to reach NATS. */
export interface NatsBusOptions {
  /** `nats://host:port` (or several, comma-separated). */
  url: string;
  /**
   * First token of every subject (`<prefix>.dev.<deviceId>`). Processes that should see each
   * other's events share it; tests use a unique one so parallel runs never mix. Default `fulcrum`.
   */
  subjectPrefix?: string;
  /** Connection name shown by the NATS server's monitoring. */
  name?: string;
}

/** Events whose JSON is larger than this travel without their `items` (the receiver re-reads SQL). */
const INLINE_EVENT_MAX = 32 * 1024;
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

interface Envelope {
  /** The publishing process: a process skips its own events (it delivered them locally). */
  o: string;
  e: BusEvent;
}

/**
 * Live fan-out between server processes over core NATS (no JetStream): the durable queue stays in
 * SQL, because JetStream acknowledges a publish before it is fsynced and a send is answered only
 * once SQL committed it (decision 0001 §5). NATS therefore carries notifications only; a lost one
 * delays a push until the next re-read, never loses a message.
 *
 * - Local subscribers get events straight away, without a NATS round trip, so a process keeps
 *   pushing to its own connections while NATS is down.
 * - One NATS subscription per device that has a live connection on this process (interest-based
 *   routing: a process receives only events for devices connected to it).
 * - After a reconnect, every local subscriber gets a `bus.resync` event: whatever was published
 *   while the link was down may be lost, so connections re-read their queue from SQL (twice: at
 *   once, and again once the NATS server has our subscriptions back).
 * - What THIS process published while its own link was down is lost too — nats.js discards its
 *   outbound buffer on every reconnect attempt, and writes into a dead socket go nowhere — and the
 *   devices it was meant for may sit on processes that never lost NATS. So after a reconnect the
 *   process also broadcasts a resync request (`<prefix>.resync`): every other process re-reads
 *   the queues of all its live connections (one indexed read each, usually empty).
 * - `publish` never throws: sends must not depend on NATS; a publish that fails is counted in
 *   `stats` and covered by the reconnect's resyncs.
 */
export class NatsBus implements Bus {
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #origin = randomBytes(9).toString('base64url');
  readonly #local = new InProcessBus();
  readonly #remote = new Map<string, { sub: Subscription; count: number }>();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #closed = false;
  /** Counters for tests and metrics. */
  readonly stats = {
    published: 0,
    publishFailures: 0,
    received: 0,
    malformed: 0,
    reconnects: 0,
    /** Resync requests received from other processes (each re-reads every local connection's queue). */
    resyncRequests: 0,
  };

  private constructor(nc: NatsConnection, prefix: string) {
    this.#nc = nc;
    this.#prefix = prefix;
    nc.subscribe(this.#resyncSubject, { callback: (err, msg) => (err ? undefined : this.#onResyncRequest(msg.data)) });
    void this.#watchStatus();
  }

  get #resyncSubject(): string {
    return `${this.#prefix}.resync`;
  }

  /** Connects (retrying forever after the first success) and returns the bus. Rejects if NATS is unreachable at start. */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const prefix = options.subjectPrefix ?? 'fulcrum';
    if (!prefix.split('.').every((t) => SUBJECT_TOKEN.test(t)))
      throw new TypeError('nats bus: subjectPrefix must be dot-separated tokens of [A-Za-z0-9_-]');
    const nc = await connect({
      servers: options.url.split(',').map((s) => s.trim()),
      name: options.name ?? 'fulcrum-server',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
    });
    return new NatsBus(nc, prefix);
  }

  #subject(deviceId: string): string | undefined {
    // Device ids are base64url (no '.', '*', '>' or spaces), but the id arrives from the database
    // and a bad one must not become a wildcard subject.
    return SUBJECT_TOKEN.test(deviceId) ? `${this.#prefix}.dev.${deviceId}` : undefined;
  }

  publish(events: readonly BusEvent[]): void {
    this.#local.publish(events);
    if (this.#closed) return;
    for (const event of events) {
      const subject = this.#subject(event.deviceId);
      if (subject === undefined) continue;
      let json = JSON.stringify({ o: this.#origin, e: event } satisfies Envelope);
      if (json.length > INLINE_EVENT_MAX && event.type === 'queue.appended') {
        const { items: _dropped, ...bare } = event;
        json = JSON.stringify({ o: this.#origin, e: bare } satisfies Envelope);
      }
      try {
        this.#nc.publish(subject, this.#encoder.encode(json));
        this.stats.published++;
      } catch {
        // Closed connection or full reconnect buffer: the message is in SQL already; the
        // receiver's next re-read (reconnect resync, fetch, or its next event) delivers it.
        this.stats.publishFailures++;
      }
    }
  }

  subscribe(deviceId: string, handler: (event: BusEvent) => void): Unsubscribe {
    const unsubscribeLocal = this.#local.subscribe(deviceId, handler);
    const subject = this.#subject(deviceId);
    if (subject === undefined || this.#closed) return unsubscribeLocal;
    const existing = this.#remote.get(deviceId);
    if (existing !== undefined) existing.count++;
    else {
      const sub = this.#nc.subscribe(subject, {
        callback: (err, msg) => (err ? undefined : this.#onMessage(msg.data)),
      });
      this.#remote.set(deviceId, { sub, count: 1 });
      // Interest reaches the NATS server asynchronously: an event another process publishes
      // before then is not routed here, although the subscriber's first SQL read may already be
      // behind it. Once the server has our SUB (flush round trip), ask for one more re-read.
      this.#nc.flush().then(
        () => this.#resync(deviceId),
        () => undefined, // disconnected: the reconnect resync covers it
      );
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unsubscribeLocal();
      const entry = this.#remote.get(deviceId);
      if (entry === undefined) return;
      if (--entry.count === 0) {
        this.#remote.delete(deviceId);
        if (!this.#closed) entry.sub.unsubscribe();
      }
    };
  }

  #resync(deviceId: string): void {
    if (!this.#closed && this.#remote.has(deviceId)) this.#local.publish([{ type: 'bus.resync', deviceId }]);
  }

  /** Asks every other process to re-read its connections' queues (what we published while cut off is lost). */
  #requestResync(): void {
    if (this.#closed) return;
    try {
      this.#nc.publish(this.#resyncSubject, this.#encoder.encode(JSON.stringify({ o: this.#origin })));
    } catch {
      this.stats.publishFailures++; // cut off again: the next reconnect asks again
    }
  }

  #onResyncRequest(data: Uint8Array): void {
    let origin: unknown;
    try {
      origin = (JSON.parse(this.#decoder.decode(data)) as { o?: unknown })?.o;
    } catch {
      this.stats.malformed++;
      return;
    }
    if (typeof origin !== 'string') {
      this.stats.malformed++;
      return;
    }
    if (origin === this.#origin) return;
    this.stats.resyncRequests++;
    this.#resyncAll();
  }

  #resyncAll(): void {
    if (this.#closed || this.#remote.size === 0) return;
    this.#local.publish([...this.#remote.keys()].map((deviceId) => ({ type: 'bus.resync', deviceId }) as const));
  }

  #onMessage(data: Uint8Array): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(this.#decoder.decode(data)) as Envelope;
    } catch {
      this.stats.malformed++;
      return;
    }
    const e = envelope?.e;
    // Only server processes publish here, but a message from the network is still checked for shape.
    if (
      typeof envelope?.o !== 'string' ||
      typeof e !== 'object' ||
      e === null ||
      typeof e.deviceId !== 'string' ||
      !(e.type === 'device.revoked' || (e.type === 'queue.appended' && Number.isSafeInteger(e.lastSeq)))
    ) {
      this.stats.malformed++;
      return;
    }
    if (envelope.o === this.#origin) return; // already delivered locally
    this.stats.received++;
    this.#local.publish([e]);
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === Events.Reconnect) {
        this.stats.reconnects++;
        // Anything published while the link was down may never arrive: ask every live
        // connection on this process to re-read its queue from SQL, now and once more after the
        // NATS server has processed our re-sent SUBs (flush round trip). nats.js writes the SUBs
        // before it reports the reconnect, but the server may still be handling them when another
        // process publishes a message committed just after the first re-read: that event would
        // reach no one. Whatever commits after the second re-read is routed here.
        this.#resyncAll();
        this.#nc.flush().then(
          () => {
            this.#resyncAll();
            this.#requestResync();
          },
          () => undefined, // disconnected again: the next reconnect resyncs
        );
      }
    }
  }

  /** Number of devices with a NATS subscription on this process. */
  get subscribedDevices(): number {
    return this.#remote.size;
  }

  /** Resolves once NATS has seen everything published so far (tests use it to order events). */
  async flush(): Promise<void> {
    if (!this.#closed) await this.#nc.flush();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#remote.clear();
    await this.#local.close();
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }
}
