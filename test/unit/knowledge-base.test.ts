import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { bodyRegionOf, codesFor, loadKnowledgeBase } from '../../src/clinical/knowledge-base.js';
import { ConfigurationError } from '../../src/errors.js';
import { failureOf } from '../support/unit-helpers.js';
import { smallKnowledgeBase } from '../support/unit-knowledge-base.js';

function condition(label: string) {
  const known = smallKnowledgeBase.conditions[label];
  assert.ok(known, `${label} is in the test knowledge base`);
  return known;
}

describe('bodyRegionOf', () => {
  const cases: [string | null, string | null][] = [
    ['back', 'trunk'],
    ['upper back', 'trunk'],
    [' Upper Back ', 'trunk'],
    ['left forearm', 'upper-limb'],
    ['Left Forearm', 'upper-limb'],
    ['right arm, outer aspect', 'upper-limb'],
    ['scratch on the back of the hand', 'upper-limb'],
    ['below the scalp line', 'scalp-neck'],
    ['c.t. scan site', 'other'],
    ['near the ctx scan site', null],
    ['farm', null],
    ['forehead', null],
    ['', null],
    [null, null],
  ];
  for (const [site, region] of cases) {
    it(`maps ${JSON.stringify(site)} to ${String(region)}`, () => {
      assert.equal(bodyRegionOf(smallKnowledgeBase, site), region);
    });
  }
});

describe('codesFor', () => {
  it('returns the site-specific codes of the region', () => {
    assert.deepEqual(codesFor(condition('melanoma'), 'upper-limb'), ['C43.60']);
    assert.deepEqual(codesFor(condition('melanoma'), 'trunk'), ['C43.59']);
  });

  it('falls back to the general codes for a region without site codes', () => {
    assert.deepEqual(codesFor(condition('melanoma'), 'lower-limb'), ['C43.9']);
  });

  it('returns the general codes for an unknown region', () => {
    assert.deepEqual(codesFor(condition('melanoma'), null), ['C43.9']);
    assert.deepEqual(codesFor(condition('keratosis'), 'face'), ['L82.1']);
  });
});

describe('loadKnowledgeBase', () => {
  it('loads the hand-written knowledge base from a file and fills defaults', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ddx-kb-'));
    try {
      const path = join(folder, 'kb.json');
      const { description: _description, ...withoutDescription } = smallKnowledgeBase;
      await writeFile(path, JSON.stringify(withoutDescription));
      const loaded = await loadKnowledgeBase(path);
      assert.deepEqual(loaded, { ...smallKnowledgeBase, description: '' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses invalid JSON and a schema violation with ConfigurationError', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ddx-kb-'));
    try {
      const broken = join(folder, 'broken.json');
      await writeFile(broken, '{"version": ');
      const unreadable = await failureOf(() => loadKnowledgeBase(broken));
      assert.ok(unreadable instanceof ConfigurationError);
      assert.match(unreadable.message, /cannot read knowledge base/);

      const wrongRegion = join(folder, 'wrong-region.json');
      await writeFile(wrongRegion, JSON.stringify({ ...smallKnowledgeBase, bodySites: { forearm: 'arm' } }));
      const invalid = await failureOf(() => loadKnowledgeBase(wrongRegion));
      assert.ok(invalid instanceof ConfigurationError);
      assert.match(invalid.message, /invalid knowledge base/);
      assert.match(invalid.message, /bodySites/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('loads the project knowledge base and maps "left forearm" to upper-limb', async (t) => {
    const path = resolve('data/knowledge-base.json');
    if (!existsSync(path)) {
      t.skip('data/knowledge-base.json is missing');
      return;
    }
    const knowledgeBase = await loadKnowledgeBase(path);
    assert.equal(bodyRegionOf(knowledgeBase, 'left forearm'), 'upper-limb');
    assert.equal(bodyRegionOf(knowledgeBase, 'back of the hand'), 'upper-limb');
    assert.equal(bodyRegionOf(knowledgeBase, 'upper back'), 'trunk');
  });
});
