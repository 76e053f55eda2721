/**
 * The CLI's command line against the real command table: versions, help topics, and every kind of
 * mistake named in one line with a suggestion, never Node's parse error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTable } from '../../src/cli/command-table.js';
import { type CommandLine, parseCommandLine } from '../../src/cli/parse-command-line.js';
import { closestName } from '../../src/cli/suggest.js';
import { UsageError } from '../../src/cli/usage-error.js';

const parse = (...argv: string[]) => parseCommandLine(argv, commandTable);

function usageError(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    assert.doesNotMatch(error.message, /ERR_PARSE_ARGS|To specify a positional argument/);
    return error.message;
  }
  assert.fail(`ddx ${argv.join(' ')} parsed`);
}

function commandOf(line: CommandLine) {
  assert.equal(line.kind, 'command');
  return line;
}

describe('the command line', () => {
  it('reads --version and -V, alone or after a command', () => {
    assert.deepEqual(parse('--version'), { kind: 'version' });
    assert.deepEqual(parse('-V'), { kind: 'version' });
    assert.deepEqual(parse('run', 'a.jpg', '--version'), { kind: 'version' });
  });

  it('gives help on a command, a group or everything, by `help` or by --help', () => {
    const batch = commandTable.find((command) => command.name === 'batch');
    assert.deepEqual(parse('help', 'batch'), { kind: 'help', topic: { kind: 'command', command: batch } });
    assert.deepEqual(parse('batch', '--help'), parse('help', 'batch'));
    assert.deepEqual(parse('batch', '-h', '--concurency', 'x'), parse('help', 'batch'), 'help wins');
    const list = parse('help', 'results', 'list');
    assert.equal(
      list.kind === 'help' && list.topic.kind === 'command' && list.topic.command.name,
      'results list',
    );
    const group = parse('results', '--help');
    assert.equal(group.kind === 'help' && group.topic.kind, 'group');
    assert.deepEqual(parse('help'), { kind: 'help', topic: { kind: 'overview' } });
    assert.deepEqual(parse(), { kind: 'help', topic: { kind: 'overview' }, missing: true });
  });

  it('names an unknown command and suggests the closest one', () => {
    assert.match(usageError('rn', 'a.jpg'), /^unknown command "rn" \(did you mean "run"\?\)/);
    assert.match(usageError('serve-model'), /did you mean "serve-models"\?/);
    assert.match(usageError('fly'), /^unknown command "fly"; see ddx help$/);
    assert.match(
      usageError('results', 'lst'),
      /unknown command "results lst" \(did you mean "results list"\?\)/,
    );
    assert.match(usageError('results'), /^results needs one of: list, get/);
    assert.match(usageError('help', 'bach'), /did you mean "batch"\?/);
  });

  it('names an unknown option, suggests the closest, or says which command has it', () => {
    assert.match(
      usageError('batch', 'photos', '--concurency', '4'),
      /^unknown option --concurency for batch \(did you mean --concurrency\?\); see ddx batch --help$/,
    );
    assert.match(usageError('batch', 'photos', '--limit', '4'), /--limit is an option of results list/);
    assert.match(usageError('run', 'a.jpg', '-x'), /^unknown option -x for run/);
  });

  it('refuses a missing value, a value on a flag, and a dash taken for a value', () => {
    assert.match(usageError('results', 'list', '--limit'), /^--limit needs a value \(--limit <N>\)/);
    assert.match(usageError('results', 'list', '--json=yes'), /^--json takes no value/);
    assert.match(usageError('serve', '--port', '--json'), /^--port needs a value, not "--json"/);
  });

  it('counts the arguments each command takes', () => {
    assert.match(usageError('run'), /^run needs <image>: ddx run <image> \[options\]$/);
    assert.match(usageError('run', 'a.jpg', 'b.jpg'), /^run takes one argument, got 2 \("a.jpg" "b.jpg"\)/);
    assert.match(usageError('results', 'list', 'extra'), /^results list takes no arguments, got 1/);
  });

  it('applies the documented defaults and checks numbers', () => {
    const { options } = commandOf(parse('batch', 'photos'));
    assert.equal(options.wholeNumber('concurrency'), 2);
    assert.equal(commandOf(parse('results', 'list')).options.wholeNumber('limit'), 50);
    assert.equal(
      commandOf(parse('batch', 'photos', '--concurrency=8')).options.wholeNumber('concurrency'),
      8,
    );
    assert.throws(
      () => commandOf(parse('batch', 'photos', '--concurrency', 'two')).options.wholeNumber('concurrency'),
      (error: unknown) =>
        error instanceof UsageError && /--concurrency must be a whole number/.test(error.message),
    );
  });

  it('takes global flags before the command and arguments after --', () => {
    const line = commandOf(parse('--verbose', 'run', '--json', '--', '-odd-name.jpg'));
    assert.equal(line.command.name, 'run');
    assert.deepEqual(line.args, ['-odd-name.jpg']);
    assert.equal(line.options.flag('verbose'), true);
    assert.equal(line.options.flag('json'), true);
  });
});

describe('closestName', () => {
  it('accepts a typo, a swap or a prefix, and nothing far off', () => {
    const names = ['run', 'batch', 'results', 'serve', 'serve-models'];
    assert.equal(closestName('rnu', names), 'run');
    assert.equal(closestName('btach', names), 'batch');
    assert.equal(closestName('res', names), 'results');
    assert.equal(closestName('deploy', names), undefined);
  });
});
