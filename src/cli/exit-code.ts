/**
 * The CLI's exit codes: 0 for a usable record (succeeded or degraded), 2 when the input must be
 * fixed, 1 for everything else (a dependency or the service itself).
 */
import { isInputErrorCode } from '../errors.js';
import type { InferenceRecord } from '../record.js';

export const ExitCode = { ok: 0, internal: 1, badInput: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(record: InferenceRecord): ExitCode {
  if (record.status !== 'failed') return ExitCode.ok;
  return record.error && isInputErrorCode(record.error.code) ? ExitCode.badInput : ExitCode.internal;
}

/** The worst of several exit codes: internal beats bad input beats ok. */
export function worstExitCode(codes: Iterable<ExitCode>): ExitCode {
  let worst: ExitCode = ExitCode.ok;
  for (const code of codes) {
    if (code === ExitCode.internal) return code;
    if (code === ExitCode.badInput) worst = code;
  }
  return worst;
}
