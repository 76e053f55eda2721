/**
 * The Logger port on the Powertools Logger that Lambda uses: request keys come from Powertools'
 * `appendKeys`, record keys from each `child`.
 */
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger } from '../../ports.js';

export function powertoolsLogger(powertools: PowertoolsLogger, fields: LogFields = {}): Logger {
  return {
    debug: (message, extra) => powertools.debug(message, { ...fields, ...extra }),
    info: (message, extra) => powertools.info(message, { ...fields, ...extra }),
    warn: (message, extra) => powertools.warn(message, { ...fields, ...extra }),
    error: (message, extra) => powertools.error(message, { ...fields, ...extra }),
    child: (extra) => powertoolsLogger(powertools, { ...fields, ...extra }),
  };
}
