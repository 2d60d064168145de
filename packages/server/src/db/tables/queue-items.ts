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
  /**
   * The franking stamp of an application message (migration 0003; null on other kinds): key id,
   * 32-byte tag, MLS epoch, group seq. Its server time is `server_time`.
   */
  franking_key_id: string | null;
  franking_tag: Uint8Array | null;
  franking_epoch: number | null;
  franking_seq: number | null;
}
