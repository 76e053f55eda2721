/**
 * Arguments to a command of the table, with the CLI's own one-line messages. The command's words
 * come first (`ddx results list ...`; boolean global flags such as `--verbose` may come before
 * them); the rest is read by `util.parseArgs` against that command's options and the global ones.
 * Every mistake is a `UsageError` that names what was wrong and, where one is close, suggests
 * what was meant. `--help` and `--version` win over anything else on the line.
 */
import { parseArgs } from 'node:util';
import { argumentUsage, type Command, globalOptions, type OptionSpec, ParsedOptions } from './command.js';
import { closestName } from './suggest.js';
import { UsageError } from './usage-error.js';

export type HelpTopic =
  | { kind: 'overview' }
  | { kind: 'group'; group: string; commands: readonly Command[] }
  | { kind: 'command'; command: Command };

export type CommandLine =
  | { kind: 'help'; topic: HelpTopic /** `ddx` alone: the overview, and exit code 2. */; missing?: true }
  | { kind: 'version' }
  | { kind: 'command'; command: Command; args: string[]; options: ParsedOptions };

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

const isFlag = (arg: string) => arg.startsWith('-') && arg !== '-';

export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): CommandLine {
  const terminator = argv.indexOf('--');
  const beforeTerminator = terminator === -1 ? argv : argv.slice(0, terminator);
  const wantsHelp = beforeTerminator.some((arg) => arg === '--help' || arg === '-h');
  const wantsVersion = beforeTerminator.some((arg) => arg === '--version' || arg === '-V');
  const first = beforeTerminator.findIndex((arg) => !isFlag(arg));
  if (first === -1) {
    if (wantsVersion && !wantsHelp) return { kind: 'version' };
    return wantsHelp
      ? helpFor({ kind: 'overview' })
      : { kind: 'help', topic: { kind: 'overview' }, missing: true };
  }
  const word = argv[first] ?? '';
  if (word === 'help')
    return helpFor(
      helpTopic(
        argv.slice(first + 1).filter((arg) => !isFlag(arg)),
        commands,
      ),
    );

  const resolved = resolveCommand(argv, first, commands, wantsHelp);
  if (resolved.group !== undefined) {
    return helpFor({ kind: 'group', group: resolved.group, commands: commandsOf(resolved.group, commands) });
  }
  const { command, wordCount } = resolved;
  if (wantsHelp) return helpFor({ kind: 'command', command });
  if (wantsVersion) return { kind: 'version' };

  const rest = [...argv.slice(0, first), ...argv.slice(first + wordCount)];
  const specs: Record<string, OptionSpec> = { ...globalOptions, ...command.options };
  const { args, values } = readOptions(rest, specs, command, commands);
  checkArgumentCount(args, command);
  return { kind: 'command', command, args, options: new ParsedOptions(specs, values) };
}

const helpFor = (topic: HelpTopic): CommandLine => ({ kind: 'help', topic });

function commandsOf(group: string, commands: readonly Command[]): Command[] {
  return commands.filter((command) => command.name.startsWith(`${group} `));
}

/** `ddx help`, `ddx help batch`, `ddx help results`, `ddx help results list`. */
function helpTopic(words: readonly string[], commands: readonly Command[]): HelpTopic {
  if (words.length === 0) return { kind: 'overview' };
  const name = words.join(' ');
  const command = commands.find((candidate) => candidate.name === name);
  if (command) return { kind: 'command', command };
  const group = commandsOf(name, commands);
  if (group.length > 0) return { kind: 'group', group: name, commands: group };
  throw unknownCommand(name, commands);
}

function resolveCommand(
  argv: readonly string[],
  first: number,
  commands: readonly Command[],
  wantsHelp: boolean,
): { command: Command; group?: undefined; wordCount: number } | { command?: undefined; group: string } {
  const word = argv[first] ?? '';
  const single = commands.find((command) => command.name === word);
  if (single) return { command: single, wordCount: 1 };
  const members = commandsOf(word, commands);
  if (members.length === 0) throw unknownCommand(word, commands);
  const next = argv[first + 1];
  const subcommands = members.map((command) => command.name.slice(word.length + 1));
  if (next === undefined || isFlag(next)) {
    if (wantsHelp) return { group: word };
    throw new UsageError(`${word} needs one of: ${subcommands.join(', ')}; see ddx help ${word}`);
  }
  const command = members.find((candidate) => candidate.name === `${word} ${next}`);
  if (command) return { command, wordCount: 2 };
  const suggestion = closestName(next, subcommands);
  throw new UsageError(
    `unknown command "${word} ${next}"${suggestion ? ` (did you mean "${word} ${suggestion}"?)` : ''}; ${word} takes ${subcommands.join(', ')}`,
  );
}

function unknownCommand(name: string, commands: readonly Command[]): UsageError {
  const names = [...new Set(commands.flatMap((command) => [command.name, command.name.split(' ')[0] ?? '']))];
  const suggestion = closestName(name, [...names, 'help']);
  return new UsageError(
    `unknown command "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; see ddx help`,
  );
}

function readOptions(
  rest: string[],
  specs: Record<string, OptionSpec>,
  command: Command,
  commands: readonly Command[],
): { args: string[]; values: Record<string, string | boolean | undefined> } {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
    ]),
  );
  // Lenient first, to name each mistake in our words; then strict, as the check of last resort.
  const { tokens } = parseArgs({ args: rest, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) if (token.kind === 'option') checkOption(token, specs, command, commands);
  try {
    const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
    return { args: positionals, values };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; see ddx ${command.name} --help`);
  }
}

function checkOption(
  token: Extract<Token, { kind: 'option' }>,
  specs: Record<string, OptionSpec>,
  command: Command,
  commands: readonly Command[],
): void {
  const spec = specs[token.name];
  const seeHelp = `see ddx ${command.name} --help`;
  if (!spec) {
    const suggestion = closestName(token.name, Object.keys(specs));
    const owner = commands.find((other) => other.options?.[token.name] !== undefined);
    const hint = suggestion
      ? ` (did you mean --${suggestion}?)`
      : owner
        ? ` (--${token.name} is an option of ${owner.name})`
        : '';
    throw new UsageError(`unknown option ${token.rawName} for ${command.name}${hint}; ${seeHelp}`);
  }
  const named = `--${token.name}`;
  if (spec.type === 'boolean' && token.value !== undefined) {
    throw new UsageError(`${named} takes no value; ${seeHelp}`);
  }
  if (spec.type === 'string' && token.value === undefined) {
    throw new UsageError(`${named} needs a value (${named} <${spec.value ?? 'value'}>); ${seeHelp}`);
  }
  if (spec.type === 'string' && !token.inlineValue && token.value?.startsWith('-')) {
    throw new UsageError(
      `${named} needs a value, not "${token.value}" (write ${named}=${token.value} if that is the value)`,
    );
  }
}

function checkArgumentCount(args: readonly string[], command: Command): void {
  const expected = command.arguments ?? [];
  const required = expected.filter((argument) => !argument.optional).length;
  if (args.length >= required && args.length <= expected.length) return;
  const usage = `ddx ${command.name}${expected.map((argument) => ` ${argumentUsage(argument)}`).join('')}`;
  if (args.length < required) {
    const missing = expected[args.length]?.name ?? '';
    throw new UsageError(`${command.name} needs <${missing}>: ${usage} [options]`);
  }
  const takes =
    expected.length === 0
      ? 'takes no arguments'
      : `takes ${required < expected.length ? 'at most ' : ''}${expected.length === 1 ? 'one argument' : `${expected.length} arguments`}`;
  throw new UsageError(
    `${command.name} ${takes}, got ${args.length} (${args.map((arg) => `"${arg}"`).join(' ')}): ${usage} [options]`,
  );
}
