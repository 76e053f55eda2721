/**
 * `ddx serve`: the HTTP API on the same pipeline, until Ctrl-C; requests in flight finish first.
 */
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { stopSignal } from './stop-signal.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API (uploads, jobs and records over JSON) on the same pipeline',
  options: {
    port: { type: 'string', value: 'N', default: '8000', description: 'the port; 0 picks a free one' },
    host: { type: 'string', value: 'H', default: '127.0.0.1', description: 'the interface to listen on' },
    'max-jobs': {
      type: 'string',
      value: 'N',
      default: '4',
      description: 'jobs run at once; more are refused with 503 SERVER_BUSY',
    },
  },
  description: [
    'The API has no authentication of its own: keep it on localhost, or behind a',
    'proxy that authenticates.',
  ].join('\n'),
  examples: ['ddx serve --port 8000'],
  logsByDefault: true,
  async run({ options, config, deps, err }) {
    const settings = {
      inputPrefix: config().inputPrefix,
      port: options.wholeNumber('port', { min: 0, max: 65_535 }) ?? 8000,
      host: options.text('host') ?? '127.0.0.1',
      maxConcurrentJobs: options.wholeNumber('max-jobs') ?? 4,
    };
    const { startServer } = await import('../entry/server.js');
    const server = await startServer(await deps(), settings);
    err.write(`ddx: serving the HTTP API on ${server.url} (Ctrl-C stops)\n`);
    await stopSignal();
    err.write('ddx: stopping: finishing the requests in flight\n');
    // The composed dependencies are closed by `main` once the last job is done.
    await server.close();
    return ExitCode.ok;
  },
};
