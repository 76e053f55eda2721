/**
 * docs/cli.md cannot drift from the CLI: its command reference is the help text itself, and
 * every command and option of the table appears in it with its default.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliReference, withReference } from '../../src/cli/cli-reference.js';
import { commandTable } from '../../src/cli/command-table.js';
import { helpText } from '../../src/cli/help-text.js';
import { packageVersion } from '../../src/cli/package-version.js';
import { packageRoot } from '../../src/config.js';

describe('docs/cli.md', () => {
  it('holds exactly the help text of every command (npm run docs:cli rewrites it)', async () => {
    const page = await readFile(join(packageRoot, 'docs', 'cli.md'), 'utf8');
    const expected = withReference(page, cliReference(commandTable, await packageVersion()));
    assert.equal(page, expected, 'docs/cli.md is out of date: run `npm run docs:cli`');
  });

  it('each command’s help names its usage, arguments, options and defaults', async () => {
    const version = await packageVersion();
    for (const command of commandTable) {
      const text = helpText({ kind: 'command', command }, commandTable, version);
      assert.ok(text.startsWith(`Usage: ddx ${command.name}`), command.name);
      for (const argument of command.arguments ?? []) assert.ok(text.includes(`<${argument.name}>`));
      for (const [name, option] of Object.entries(command.options ?? {})) {
        assert.ok(text.includes(`--${name}`), `${command.name} --${name}`);
        if (option.default !== undefined) assert.ok(text.includes(`(default: ${option.default})`));
      }
    }
  });
});
