import type { QueueItemKind } from '@fulcrum/wire';

/** `queue_items`: each device's durable FIFO queue; a row leaves only when the device acks it. */
export interface QueueItemsTable {
  device_id: string;
  /** Strictly increasing per device (from `devices.queue_seq`). */
  seq: number;
  group_id: string;
  kind: QueueItemKind;
  sender_device_id: string | null;
  /** The opaque MLSMessage bytes exactly as sent (or the event JSON). */
  payload: Uint8Array;
  server_time: number;
}
