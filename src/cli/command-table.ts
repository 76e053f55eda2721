/**
 * Every `ddx` command, in the order `ddx help` lists them. To add one, write its `Command`
 * (command.ts) in a file of its own under src/cli/ and put it here: parsing, `--help`, the
 * suggestions for typos and docs/cli.md (checked by test/unit/cli-docs.test.ts) follow from it.
 */
import { batchCommand } from './batch-command.js';
import type { Command } from './command.js';
import { evalCommand } from './eval-command.js';
import { eventsDrainCommand, eventsListCommand, eventsRetryCommand } from './events-command.js';
import { modelsCheckCommand } from './models-check-command.js';
import { resultsGetCommand, resultsListCommand } from './results-commands.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';
import { serveModelsCommand } from './serve-models-command.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './tokens-commands.js';

export const commandTable: readonly Command[] = [
  runCommand,
  batchCommand,
  resultsListCommand,
  resultsGetCommand,
  eventsListCommand,
  eventsRetryCommand,
  eventsDrainCommand,
  serveCommand,
  serveModelsCommand,
  modelsCheckCommand,
  evalCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
];
