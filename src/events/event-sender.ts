/**
 * The port every event sink implements (signed webhook, EventBridge). `send` delivers one event
 * or throws a typed error whose `retriable` says whether the outbox should try again later.
 */
import type { CallOptions } from '../ports.js';
import type { RecordEvent } from './record-event.js';

export interface EventSender {
  /** The sink's name, stored with each outbox entry (`webhook`, `eventbridge`). */
  readonly name: string;
  send(event: RecordEvent, options?: CallOptions): Promise<void>;
}
