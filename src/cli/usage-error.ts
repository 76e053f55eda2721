/**
 * A command line the CLI cannot act on: an unknown command or option, a missing argument, a value
 * out of range, a file that is not there. Printed as one line, exit code 2, never a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
