/**
 * The command reference of docs/cli.md: the CLI's own help text for every command, so the page
 * says exactly what `ddx help <command>` says. `npm run docs:cli` writes it between the markers;
 * test/unit/cli-docs.test.ts fails when the page and the help have drifted apart.
 */
import type { Command } from './command.js';
import { helpText } from './help-text.js';

export const referenceStart = '<!-- command reference: written by `npm run docs:cli` from the help text -->';
export const referenceEnd = '<!-- end of command reference -->';

export function cliReference(commands: readonly Command[], version: string): string {
  const block = (title: string, text: string) => [`### \`${title}\``, '', '```text', text, '```', ''];
  const lines = [referenceStart, '', ...block('ddx help', helpText({ kind: 'overview' }, commands, version))];
  const groupsShown = new Set<string>();
  for (const command of commands) {
    const [group, subcommand] = command.name.split(' ');
    if (group !== undefined && subcommand !== undefined && !groupsShown.has(group)) {
      groupsShown.add(group);
      const members = commands.filter((member) => member.name.startsWith(`${group} `));
      lines.push(
        ...block(`ddx ${group}`, helpText({ kind: 'group', group, commands: members }, commands, version)),
      );
    }
    lines.push(...block(`ddx ${command.name}`, helpText({ kind: 'command', command }, commands, version)));
  }
  return [...lines, referenceEnd].join('\n');
}

/** The page with its reference replaced; the text around the markers is left as it is. */
export function withReference(page: string, reference: string): string {
  const start = page.indexOf(referenceStart);
  const end = page.indexOf(referenceEnd);
  if (start === -1 || end < start) throw new Error('docs/cli.md has lost its command reference markers');
  return `${page.slice(0, start)}${reference}${page.slice(end + referenceEnd.length)}`;
}
