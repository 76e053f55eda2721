/**
 * `ddx events list|retry|drain`: the outbox of record events (docs/events.md), seen and handled
 * from the command line.
 */
import type { OutboxEntry } from '../ports.js';
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';

const defaultListLimit = 50;

export const eventsListCommand: Command = {
  name: 'events list',
  summary: 'list record events in the outbox, newest first',
  options: {
    failed: { type: 'boolean', description: 'only the dead-lettered entries' },
    limit: {
      type: 'string',
      value: 'N',
      default: String(defaultListLimit),
      description: 'at most this many entries',
    },
    json: { type: 'boolean', description: 'print the entries as a JSON array' },
  },
  examples: ['ddx events list --failed'],
  async run({ options, deps, out }) {
    const entries = await (await deps()).events.outbox.list({
      state: options.flag('failed') ? 'failed' : undefined,
      limit: options.wholeNumber('limit') ?? defaultListLimit,
    });
    if (options.flag('json')) out.write(`${JSON.stringify(entries, null, 2)}\n`);
    else out.write(entries.length === 0 ? 'no events\n' : `${entries.map(entryLine).join('\n')}\n`);
    return ExitCode.ok;
  },
};

export const eventsRetryCommand: Command = {
  name: 'events retry',
  summary: 'make dead-lettered events pending again, then send them',
  arguments: [
    { name: 'event id', description: 'only this event (all dead letters when left out)', optional: true },
  ],
  options: {
    sink: {
      type: 'string',
      value: 'SINK',
      description: 'only entries for this sink (webhook, eventbridge, fhir, dicom-sr)',
    },
  },
  examples: ['ddx events retry', 'ddx events retry --sink webhook'],
  async run({ args, options, deps, out }) {
    const { events } = await deps();
    const retried = await events.outbox.retryFailed({ eventId: args[0], sink: options.text('sink') });
    const outcome = await events.sweep();
    out.write(
      `${retried} dead-lettered ${retried === 1 ? 'entry' : 'entries'} pending again; ${outcomeText(outcome)}\n`,
    );
    return outcome.retryLater + outcome.deadLettered > 0 ? ExitCode.internal : ExitCode.ok;
  },
};

export const eventsDrainCommand: Command = {
  name: 'events drain',
  summary: 'send every record event that is due (what a scheduled sweep does)',
  async run({ deps, out }) {
    const outcome = await (await deps()).events.sweep();
    out.write(`${outcomeText(outcome)}\n`);
    return outcome.retryLater + outcome.deadLettered > 0 ? ExitCode.internal : ExitCode.ok;
  },
};

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
