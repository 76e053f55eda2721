/**
 * One structured JSON logger for the CLI and the server, writing the line shape of the Powertools
 * Logger that Lambda uses (`level` in capitals, `message`, `timestamp`, `service`, then the keys),
 * so one log query serves every host. Callers pass only keys they chose: never an event body,
 * metadata values or notes, which can identify a patient.
 */

import { serviceName } from './service-identity.js';

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, record id). */
  child(fields: LogFields): Logger;
}

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

export const silentLogger: Logger = createLogger({ level: 'silent' });
