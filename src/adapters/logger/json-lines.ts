/**
 * The Logger port for the CLI and the server: JSON lines in the shape of the Powertools Logger
 * that Lambda uses (`level` in capitals, `message`, `timestamp`, `service`, then the keys), so one
 * log query serves every host. Callers pass only keys they chose: never an event body, metadata
 * values or notes, which can identify a patient.
 */

import { serviceName } from '../../observability/service-identity.js';
import { type LogFields, type Logger, type LogLevel, logLevels } from '../../ports.js';

export interface LoggerSettings {
  level: LogLevel;
  service?: string;
  write?: (line: string) => void;
}

export function createLogger(settings: LoggerSettings, baseFields: LogFields = {}): Logger {
  const threshold = logLevels.indexOf(settings.level);
  const write = settings.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const service = settings.service ?? serviceName;

  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: LogFields) => {
    if (logLevels.indexOf(level) < threshold) return;
    write(
      JSON.stringify({
        level: level.toUpperCase(),
        message,
        timestamp: new Date().toISOString(),
        service,
        ...baseFields,
        ...fields,
      }),
    );
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger(settings, { ...baseFields, ...fields }),
  };
}
