/**
 * The event the stack's schedule sends the inference Lambda to sweep the outbox (EventBridge rule
 * target input, infra/event-delivery.ts): `{ "action": "ddx.outbox.sweep" }`. Anything else is an
 * upload event for processEvent.
 */
export const outboxSweepEvent = { action: 'ddx.outbox.sweep' } as const;

export function isOutboxSweepEvent(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as { action?: unknown }).action === outboxSweepEvent.action
  );
}
