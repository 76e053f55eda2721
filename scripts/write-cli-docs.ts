/**
 * `npm run docs:cli`: writes the command reference of docs/cli.md from the CLI's own help text
 * (src/cli/cli-reference.ts). Run it after changing a command; the docs test says when it is due.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliReference, withReference } from '../src/cli/cli-reference.js';
import { commandTable } from '../src/cli/command-table.js';
import { packageVersion } from '../src/cli/package-version.js';
import { packageRoot } from '../src/config.js';

const page = join(packageRoot, 'docs', 'cli.md');
const reference = cliReference(commandTable, await packageVersion());
await writeFile(page, withReference(await readFile(page, 'utf8'), reference));
console.log(`wrote the command reference of ${page}`);
