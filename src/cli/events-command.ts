/**
 * `ddx events`: the outbox of record events, seen and handled from the command line.
 *
 * ```
 * ddx events list [--failed] [--limit N] [--json]   entries, newest first (--failed: the dead letters)
 * ddx events retry [<event id>] [--sink S]          dead letters pending again, then sent at once
 * ddx events drain                                  send everything due now (what a scheduled sweep does)
 * ```
 */
import type { EventDelivery } from '../events/event-delivery.js';
import type { OutboxEntry } from '../ports.js';
import { ExitCode } from './exit-code.js';
import { UsageError } from './usage-error.js';

export interface EventsCommandOptions {
  failed: boolean;
  json: boolean;
  limit: number;
  sink: string | undefined;
}

export async function eventsCommand(
  args: string[],
  options: EventsCommandOptions,
  events: EventDelivery,
  stdout: { write(text: string): unknown },
): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'list': {
      if (rest.length > 0) throw new UsageError('events list takes no arguments');
      const entries = await events.outbox.list({
        state: options.failed ? 'failed' : undefined,
        limit: options.limit,
      });
      if (options.json) stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      else stdout.write(entries.length === 0 ? 'no events\n' : `${entries.map(entryLine).join('\n')}\n`);
      return ExitCode.ok;
    }
    case 'retry': {
      const [eventId, ...extra] = rest;
      if (extra.length > 0) throw new UsageError('events retry takes at most one event id');
      const retried = await events.outbox.retryFailed({ eventId, sink: options.sink });
      const outcome = await events.sweep();
      stdout.write(
        `${retried} dead-lettered ${retried === 1 ? 'entry' : 'entries'} pending again; ${outcomeText(outcome)}\n`,
      );
      return outcome.retryLater + outcome.deadLettered > 0 ? ExitCode.internal : ExitCode.ok;
    }
    case 'drain': {
      if (rest.length > 0) throw new UsageError('events drain takes no arguments');
      const outcome = await events.sweep();
      stdout.write(`${outcomeText(outcome)}\n`);
      return outcome.retryLater + outcome.deadLettered > 0 ? ExitCode.internal : ExitCode.ok;
    }
    default:
      throw new UsageError('events takes "list", "retry [<event id>]" or "drain"');
  }
}

function entryLine(entry: OutboxEntry): string {
  const when =
    entry.state === 'delivered'
      ? `delivered ${entry.deliveredAt}`
      : `${entry.state === 'failed' ? 'failed' : 'due'} ${entry.dueAt}`;
  const error = entry.lastError ? `  last error: ${entry.lastError}` : '';
  return `${entry.eventId}  ${entry.event.type}  ${entry.event.subject}  ${entry.sink.padEnd(11)}  ${entry.state.padEnd(9)}  attempts ${entry.attempts}  ${when}${error}`;
}

function outcomeText(outcome: {
  delivered: number;
  retryLater: number;
  deadLettered: number;
  skipped: number;
}): string {
  return `delivered ${outcome.delivered}, to retry later ${outcome.retryLater}, dead-lettered ${outcome.deadLettered}, left for another process ${outcome.skipped}`;
}
