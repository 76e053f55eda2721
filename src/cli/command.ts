/**
 * The shape of one `ddx` command: its words, arguments, options with their defaults, and what it
 * does. The command table (command-table.ts) lists every command; the parser, the help text and
 * docs/cli.md are all read off that table, so none of them can say something the others do not.
 */
import type { ComposedDependencies } from '../compose.js';
import type { Config } from '../config.js';
import type { CliOutput } from './cli-output.js';
import { UsageError } from './usage-error.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One letter: `-h` for `--help`. */
  short?: string;
  /** The value's name in usage lines (`--limit <N>`); string options only. */
  value?: string;
  /** Used when the option is not given, and shown in the help. */
  default?: string;
  description: string;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  /** May be left out; only the last arguments may be optional. */
  optional?: boolean;
}

/** `<id>`, or `[<event id>]` for an optional argument: how usage lines write an argument. */
export function argumentUsage(argument: ArgumentSpec): string {
  return argument.optional ? `[<${argument.name}>]` : `<${argument.name}>`;
}

export interface CommandContext {
  /** The arguments after the command's words, as many as the command declares. */
  args: readonly string[];
  options: ParsedOptions;
  /** The configuration (config.ts), read on first use. */
  config(): Config;
  /** The composed adapters, built on first use and closed by `main` when the command ends. */
  deps(): Promise<ComposedDependencies>;
  out: CliOutput;
  err: CliOutput;
}

export interface Command {
  /** One word (`run`) or a group and a word (`results list`). */
  name: string;
  /** One line, lower case, no full stop: the command list in `ddx help`. */
  summary: string;
  arguments?: readonly ArgumentSpec[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** Paragraphs after the usage line in `ddx help <command>`. */
  description?: string;
  examples?: readonly string[];
  /** Step logs at info level without --verbose: a server has no one to print its errors to. */
  logsByDefault?: boolean;
  run(context: CommandContext): Promise<number>;
}

/** What every command accepts besides its own options. */
export const globalOptions = {
  verbose: { type: 'boolean', description: 'log each step as JSON lines on stderr' },
  help: { type: 'boolean', short: 'h', description: "show this command's usage, options and defaults" },
  version: { type: 'boolean', short: 'V', description: 'print the version of ddx' },
} as const satisfies Record<string, OptionSpec>;

/**
 * A command's option values, defaults applied. Asking for an option the command does not declare
 * is a bug in the command, not a usage error.
 */
export class ParsedOptions {
  constructor(
    private readonly specs: Readonly<Record<string, OptionSpec>>,
    private readonly values: Readonly<Record<string, string | boolean | undefined>>,
  ) {}

  flag(name: string): boolean {
    return this.value(name, 'boolean') === true;
  }

  text(name: string): string | undefined {
    const value = this.value(name, 'string');
    return typeof value === 'string' ? value : undefined;
  }

  /** A whole number from `min` up (1 unless said): concurrency, limits, job slots. */
  wholeNumber(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const text = this.text(name);
    if (text === undefined) return undefined;
    const min = range.min ?? 1;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || (range.max !== undefined && value > range.max)) {
      const bounds = range.max === undefined ? `${min} or more` : `${min} to ${range.max}`;
      throw new UsageError(`--${name} must be a whole number, ${bounds}; got "${text}"`);
    }
    return value;
  }

  private value(name: string, type: OptionSpec['type']): string | boolean | undefined {
    const spec = this.specs[name];
    if (spec?.type !== type) throw new Error(`the command has no ${type} option --${name}`);
    return this.values[name] ?? spec.default;
  }
}
