/**
 * The README and docs/ point only at files inside the repository, every one of them there, and
 * every page of docs/ is linked from the README.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { environmentVariables, packageRoot } from '../../src/config.js';

const docsFolder = join(packageRoot, 'docs');
const pages = [
  join(packageRoot, 'README.md'),
  ...readdirSync(docsFolder)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(docsFolder, name)),
];

/** Markdown link targets, without their `#anchor`; web links and in-page anchors left out. */
function localLinks(page: string): string[] {
  const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^(https?:|mailto:|#)/.test(target))
    .map((target) => target.split('#')[0] ?? '');
}

describe('README and docs/', () => {
  it('link only to files that exist inside the repository', () => {
    for (const page of pages) {
      for (const target of localLinks(page)) {
        const path = resolve(dirname(page), target);
        const name = `${relative(packageRoot, page)} -> ${target}`;
        assert.ok(!relative(packageRoot, path).startsWith('..'), `${name} leaves the repository`);
        assert.ok(existsSync(path), `${name} does not exist`);
      }
    }
  });

  it('name no file outside the repository', () => {
    for (const page of pages) {
      const text = readFileSync(page, 'utf8');
      assert.doesNotMatch(text, /DESIGN\.md|\.\.\/shared|\/work\//, relative(packageRoot, page));
    }
  });

  it('are all reachable from the README', () => {
    const linked = new Set(
      localLinks(join(packageRoot, 'README.md')).map((target) => resolve(packageRoot, target)),
    );
    for (const page of pages.slice(1)) {
      assert.ok(linked.has(page), `README.md links to ${relative(packageRoot, page)}`);
    }
  });

  it('document every environment variable the configuration reads', () => {
    const page = readFileSync(join(docsFolder, 'configuration.md'), 'utf8');
    for (const name of environmentVariables) assert.ok(page.includes(`\`${name}\``), name);
  });
});
