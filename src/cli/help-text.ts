/**
 * The help the CLI prints, read off the command table: `ddx help` (every command), `ddx help
 * <group>` (its subcommands) and `ddx help <command>` / `ddx <command> --help` (usage, arguments,
 * options with their defaults, examples). docs/cli.md is this text, checked by a test.
 */
import { argumentUsage, type Command, globalOptions, type OptionSpec } from './command.js';
import type { HelpTopic } from './parse-command-line.js';

export const exitCodesText = [
  'Exit codes: 0 succeeded or degraded, 2 failed because of the input (or a usage',
  'error), 1 any other failure.',
].join('\n');

export function helpText(topic: HelpTopic, commands: readonly Command[], version: string): string {
  switch (topic.kind) {
    case 'overview':
      return overviewText(commands, version);
    case 'group':
      return groupText(topic.group, topic.commands);
    case 'command':
      return commandText(topic.command);
  }
}

export function usageLine(command: Command): string {
  const args = (command.arguments ?? []).map((argument) => ` ${argumentUsage(argument)}`).join('');
  const options = Object.keys(command.options ?? {}).length > 0 ? ' [options]' : '';
  return `ddx ${command.name}${args}${options}`;
}

function overviewText(commands: readonly Command[], version: string): string {
  const rows = [
    ...commands.map((command) => [usageLine(command).slice(4).replace(' [options]', ''), command.summary]),
    ['help [command]', 'show the usage, options and defaults of a command'],
  ];
  return [
    `DDx Assist ${version}: medical-image inference orchestrator.`,
    'The bundled models are demo models: not for clinical use.',
    '',
    'Usage: ddx <command> [options]',
    '',
    'Commands:',
    ...twoColumns(rows),
    '',
    'Options for every command:',
    ...optionLines(globalOptions),
    '',
    'Run `ddx help <command>` or `ddx <command> --help` for its options and defaults.',
    exitCodesText,
    'Configuration: DDX_* environment variables (docs/configuration.md).',
  ].join('\n');
}

function groupText(group: string, commands: readonly Command[]): string {
  return [
    `Usage: ddx ${group} <${commands.map((command) => command.name.slice(group.length + 1)).join('|')}> [options]`,
    '',
    'Commands:',
    ...twoColumns(commands.map((command) => [usageLine(command).slice(4), command.summary])),
    '',
    `Run \`ddx help ${group} <command>\` for its options and defaults.`,
  ].join('\n');
}

function commandText(command: Command): string {
  const lines = [`Usage: ${usageLine(command)}`, '', `${capitalised(command.summary)}.`];
  if (command.description) lines.push('', command.description);
  if (command.arguments?.length) {
    lines.push('', 'Arguments:');
    lines.push(
      ...twoColumns(command.arguments.map((argument) => [argumentUsage(argument), argument.description])),
    );
  }
  if (command.options && Object.keys(command.options).length > 0) {
    lines.push('', 'Options:', ...optionLines(command.options));
  }
  lines.push('', 'Options for every command:', ...optionLines(globalOptions));
  if (command.examples?.length) {
    lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  }
  return lines.join('\n');
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return twoColumns(
    Object.entries(options).map(([name, spec]) => {
      const value = spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : '';
      const short = spec.short ? `-${spec.short}, ` : '';
      const fallback = spec.default === undefined ? '' : ` (default: ${spec.default})`;
      return [`${short}--${name}${value}`, `${spec.description}${fallback}`];
    }),
  );
}

/** The width help is written for: a standard terminal, so the text is the same wherever it is printed. */
const helpWidth = 80;

/**
 * Names padded to one width, descriptions beside them wrapped to the help width; a long name puts
 * its description on the lines below.
 */
function twoColumns(rows: readonly (readonly [string, string] | string[])[]): string[] {
  const width = Math.min(28, Math.max(...rows.map(([name]) => (name ?? '').length)));
  const indent = ' '.repeat(2 + width + 2);
  return rows.flatMap(([name = '', description = '']) => {
    const wrapped = wrapWords(description, helpWidth - indent.length).map((line) => `${indent}${line}`);
    if (name.length > width) return [`  ${name}`, ...wrapped];
    const [first = indent, ...rest] = wrapped;
    return [`  ${name.padEnd(width)}  ${first.slice(indent.length)}`, ...rest];
  });
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

const capitalised = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
