/**
 * `ddx serve`: the HTTP API and the clinician's workspace (src/web/) on the same pipeline, until
 * Ctrl-C; requests in flight finish first.
 */
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { stopSignal } from './stop-signal.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API and the web workspace (worklist, record pages, review) on the same pipeline',
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
    'Every route but /healthz needs a principal: create a token with `ddx tokens create',
    '--role admin`, then send it as `Authorization: Bearer <token>` or sign in at /sign-in.',
    'OIDC bearer JWTs work too (DDX_OIDC_ISSUER). Requests naming a Host other than localhost,',
    'the bound address or DDX_ALLOWED_HOSTS are refused with 421.',
  ].join('\n'),
  examples: ['ddx tokens create --role admin', 'ddx serve --port 8000'],
  logsByDefault: true,
  async run({ options, config, deps, err }) {
    const { web, inputPrefix } = config();
    const settings = {
      inputPrefix,
      port: options.wholeNumber('port', { min: 0, max: 65_535 }) ?? 8000,
      host: options.text('host') ?? '127.0.0.1',
      maxConcurrentJobs: options.wholeNumber('max-jobs') ?? 4,
      allowedHosts: web.allowedHosts,
      bodyTimeoutMs: web.bodyTimeoutMs,
      session: { secret: web.sessionSecret, ttlSeconds: web.sessionTtlSeconds, secure: web.secureCookies },
      oidc: web.oidc ?? undefined,
    };
    const [{ startWebServer }, { createAccessStores }] = await Promise.all([
      import('../web/serve.js'),
      import('../web/access-stores.js'),
    ]);
    const access = await createAccessStores(config());
    try {
      const server = await startWebServer(
        { ...(await deps()), tokens: access.tokens, audit: access.audit },
        settings,
      );
      err.write(`ddx: serving the HTTP API on ${server.url} (Ctrl-C stops)\n`);
      if ((await access.tokens.list()).every((token) => token.revokedAt !== null)) {
        err.write('ddx: no API token yet: create one with `ddx tokens create --role admin`\n');
      }
      await stopSignal();
      err.write('ddx: stopping: finishing the requests in flight\n');
      // The composed dependencies are closed by `main` once the last job is done.
      await server.close();
    } finally {
      await access.close();
    }
    return ExitCode.ok;
  },
};
