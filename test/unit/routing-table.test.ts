import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseClinicalMetadata } from '../../src/clinical/clinical-context.js';
import {
  loadRoutingTable,
  needsPredictedExtent,
  type RoutingTable,
  selectRoute,
} from '../../src/clinical/routing-table.js';
import { BadInputError, ConfigurationError } from '../../src/errors.js';
import { clinicalContext, failureOf } from '../support/unit-helpers.js';

const input = { name: 'images', width: 64, height: 64, layout: 'NCHW' };

const detectorCard = {
  id: 'lesion-detector',
  version: '1.0.0',
  task: 'detection',
  labels: ['lesion'],
  input: { ...input, resize: 'letterbox' },
  output: { name: 'output0', format: 'yolov8' },
};

const classifierCard = (id: string) => ({
  id,
  version: '2.1.0',
  task: 'classification',
  labels: ['nevus', 'melanoma'],
  input,
  output: { name: 'logits', activation: 'logits' },
  icd10cm: { nevus: ['D22.9'], melanoma: ['C43.9'] },
});

const modelsYaml = `models:
  lesion-detector: { kind: onnx, path: lesion-detector.onnx }
  lesion-classifier: { kind: onnx, path: lesion-classifier.onnx }
  rash-classifier: { kind: onnx, path: nested/rash.onnx, card: cards/rash.json }
`;

const routesYaml = `routes:
  - name: pediatric-rash
    when: { extent: widespread, maxAge: 17 }
    classifier: rash-classifier
    prompt: ddx-pediatric
  - name: face-lesion
    when: { extent: [localized, unspecified], bodySite: [face, nose] }
    detector: lesion-detector
    classifier: lesion-classifier
    prompt: ddx-face
  - name: oncology-follow-up
    when: { specialty: [oncology], minAge: 40 }
    classifier: lesion-classifier
    prompt: ddx-oncology
  - name: localized-lesion
    when: { extent: [localized, unspecified] }
    detector: lesion-detector
    classifier: lesion-classifier
    prompt: ddx-recommendations
  - name: widespread-rash
    when: { extent: widespread }
    classifier: rash-classifier
    prompt: ddx-recommendations
`;

let folder = '';

/** Writes `text` as a table file in the test folder and returns its path. */
async function writeTable(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

/** Loads a table that must be refused, and returns the ConfigurationError's message. */
async function configurationProblem(name: string, text: string): Promise<string> {
  const error = await failureOf(async () => loadRoutingTable(await writeTable(name, text)));
  assert.ok(error instanceof ConfigurationError, `expected ConfigurationError, got ${String(error)}`);
  assert.equal(error.code, 'INVALID_CONFIGURATION');
  assert.equal(error.step, 'configure');
  assert.equal(error.retriable, false);
  return error.message;
}

const context = clinicalContext;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ddx-routing-'));
  await mkdir(join(folder, 'cards'));
  await writeFile(join(folder, 'lesion-detector.card.json'), JSON.stringify(detectorCard));
  await writeFile(
    join(folder, 'lesion-classifier.card.json'),
    JSON.stringify(classifierCard('lesion-classifier')),
  );
  await writeFile(join(folder, 'cards', 'rash.json'), JSON.stringify(classifierCard('rash-classifier')));
});

after(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('loadRoutingTable', () => {
  it('loads a valid YAML table with its model cards', async () => {
    const path = await writeTable('routes.yaml', modelsYaml + routesYaml);
    const table = await loadRoutingTable(path);
    assert.equal(table.source, path);
    assert.deepEqual([...table.models.keys()], ['lesion-detector', 'lesion-classifier', 'rash-classifier']);
    assert.deepEqual(
      table.routes.map((route) => route.name),
      ['pediatric-rash', 'face-lesion', 'oncology-follow-up', 'localized-lesion', 'widespread-rash'],
    );
    const detector = table.models.get('lesion-detector');
    assert.ok(detector);
    assert.equal(detector.path, join(folder, 'lesion-detector.onnx'));
    assert.equal(detector.card.task, 'detection');
    assert.equal(detector.card.version, '1.0.0');
  });

  it('resolves model paths and an explicit card path relative to the table', async () => {
    const table = await loadRoutingTable(await writeTable('routes-paths.yaml', modelsYaml + routesYaml));
    const rash = table.models.get('rash-classifier');
    assert.ok(rash);
    assert.equal(rash.path, resolve(folder, 'nested/rash.onnx'));
    assert.equal(rash.card.id, 'rash-classifier');
  });

  it('loads the same table written as JSON', async () => {
    const json = {
      models: {
        'lesion-detector': { kind: 'onnx', path: 'lesion-detector.onnx' },
        'lesion-classifier': { kind: 'onnx', path: 'lesion-classifier.onnx', confidence: 0.4, iou: 0.5 },
      },
      routes: [{ name: 'any', detector: 'lesion-detector', classifier: 'lesion-classifier', prompt: 'p' }],
    };
    const table = await loadRoutingTable(await writeTable('routes.json', JSON.stringify(json)));
    assert.equal(table.models.size, 2);
    assert.deepEqual(table.routes[0]?.when, {});
    assert.deepEqual(table.models.get('lesion-classifier')?.config, {
      kind: 'onnx',
      path: 'lesion-classifier.onnx',
      confidence: 0.4,
      iou: 0.5,
    });
  });

  it('refuses a route naming a model that is not in models', async () => {
    const message = await configurationProblem(
      'unknown-model.yaml',
      `${modelsYaml}routes:\n  - { name: broken, classifier: derm-v9, prompt: p }\n`,
    );
    assert.match(message, /route "broken": classifier "derm-v9" is not in models/);
  });

  it('refuses a classifier used as a detector', async () => {
    const message = await configurationProblem(
      'classifier-as-detector.yaml',
      `${modelsYaml}routes:\n  - { name: swapped, detector: lesion-classifier, classifier: lesion-classifier, prompt: p }\n`,
    );
    assert.match(
      message,
      /route "swapped": detector "lesion-classifier" is a classification model, expected detection/,
    );
  });

  it('refuses a detector used as a classifier', async () => {
    const message = await configurationProblem(
      'detector-as-classifier.yaml',
      `${modelsYaml}routes:\n  - { name: swapped, classifier: lesion-detector, prompt: p }\n`,
    );
    assert.match(message, /classifier "lesion-detector" is a detection model, expected classification/);
  });

  it('refuses invalid YAML', async () => {
    const message = await configurationProblem('invalid.yaml', 'models:\n  a: [unclosed\nroutes: {');
    assert.match(message, /cannot read routing table .*invalid\.yaml/);
  });

  it('refuses invalid JSON', async () => {
    const message = await configurationProblem('invalid.json', '{"models": {}, "routes": [');
    assert.match(message, /cannot read routing table .*invalid\.json/);
  });

  it('refuses an unknown key in when', async () => {
    const message = await configurationProblem(
      'unknown-when.yaml',
      `${modelsYaml}routes:\n  - { name: typo, when: { bodyPart: [face] }, classifier: lesion-classifier, prompt: p }\n`,
    );
    assert.match(message, /invalid routing table/);
    assert.match(message, /bodyPart/);
  });

  it('refuses an unknown extent in when', async () => {
    const message = await configurationProblem(
      'unknown-extent.yaml',
      `${modelsYaml}routes:\n  - { name: typo, when: { extent: localised }, classifier: lesion-classifier, prompt: p }\n`,
    );
    assert.match(message, /extent/);
  });

  it('refuses minAge above maxAge', async () => {
    const message = await configurationProblem(
      'ages.yaml',
      `${modelsYaml}routes:\n  - { name: adults, when: { minAge: 65, maxAge: 18 }, classifier: lesion-classifier, prompt: p }\n`,
    );
    assert.match(message, /route "adults": minAge is above maxAge/);
  });

  it('lists every problem of the table in one error', async () => {
    const message = await configurationProblem(
      'many-problems.yaml',
      `${modelsYaml}routes:
  - { name: first, classifier: nope, prompt: p }
  - { name: second, when: { minAge: 9, maxAge: 3 }, classifier: lesion-classifier, prompt: p }
`,
    );
    assert.match(message, /route "first": classifier "nope" is not in models/);
    assert.match(message, /route "second": minAge is above maxAge/);
  });

  it('refuses a table without routes', async () => {
    const message = await configurationProblem('no-routes.yaml', `${modelsYaml}routes: []\n`);
    assert.match(message, /routes/);
  });

  it('refuses a model whose card file is missing', async () => {
    const message = await configurationProblem(
      'missing-card.yaml',
      'models:\n  ghost: { kind: onnx, path: ghost.onnx }\nroutes:\n  - { name: r, classifier: ghost, prompt: p }\n',
    );
    assert.match(message, /cannot read model card .*ghost\.card\.json/);
  });

  it('refuses a missing table file', async () => {
    const error = await failureOf(() => loadRoutingTable(join(folder, 'does-not-exist.yaml')));
    assert.ok(error instanceof ConfigurationError);
    assert.match(error.message, /cannot read routing table/);
  });
});

describe('selectRoute', () => {
  let table: RoutingTable | undefined;
  const loaded = (): RoutingTable => {
    assert.ok(table, 'the table loads in before()');
    return table;
  };

  before(async () => {
    table = await loadRoutingTable(await writeTable('select.yaml', modelsYaml + routesYaml));
  });

  it('takes the first matching route in table order', () => {
    // A widespread rash at 12 matches pediatric-rash and widespread-rash: the first one wins.
    const decision = selectRoute(loaded(), context({ extent: 'widespread', ageYears: 12 }));
    assert.deepEqual(decision, {
      name: 'pediatric-rash',
      extent: 'widespread',
      detector: null,
      classifier: 'rash-classifier',
      prompt: 'ddx-pediatric',
      reason: 'extent is widespread; age 12 is in range',
    });
  });

  it('treats maxAge as inclusive and moves on above it', () => {
    assert.equal(
      selectRoute(loaded(), context({ extent: 'widespread', ageYears: 17 })).name,
      'pediatric-rash',
    );
    assert.equal(
      selectRoute(loaded(), context({ extent: 'widespread', ageYears: 18 })).name,
      'widespread-rash',
    );
  });

  it('does not match an age condition when the age is unknown', () => {
    assert.equal(selectRoute(loaded(), context({ extent: 'widespread' })).name, 'widespread-rash');
  });

  it('matches any extent listed in an array', () => {
    const localized = selectRoute(loaded(), context({ extent: 'localized', bodySite: 'nose' }));
    const unspecified = selectRoute(loaded(), context({ extent: 'unspecified', bodySite: 'face' }));
    assert.equal(localized.name, 'face-lesion');
    assert.equal(unspecified.name, 'face-lesion');
    assert.equal(unspecified.extent, 'unspecified');
    assert.equal(unspecified.detector, 'lesion-detector');
    assert.equal(unspecified.reason, 'extent is unspecified; body site is face');
  });

  it('skips a body-site route for another or a missing body site', () => {
    assert.equal(
      selectRoute(loaded(), context({ extent: 'localized', bodySite: 'back' })).name,
      'localized-lesion',
    );
    assert.equal(selectRoute(loaded(), context({ extent: 'localized' })).name, 'localized-lesion');
  });

  it('matches specialty with minAge inclusive', () => {
    const decision = selectRoute(
      loaded(),
      context({ extent: 'localized', specialty: 'oncology', ageYears: 40 }),
    );
    assert.equal(decision.name, 'oncology-follow-up');
    assert.equal(decision.reason, 'specialty is oncology; age 40 is in range');
    assert.equal(decision.detector, null);
  });

  it('skips a specialty route below minAge or for another specialty', () => {
    assert.equal(
      selectRoute(loaded(), context({ extent: 'localized', specialty: 'oncology', ageYears: 39 })).name,
      'localized-lesion',
    );
    assert.equal(
      selectRoute(loaded(), context({ extent: 'localized', specialty: 'dermatology', ageYears: 60 })).name,
      'localized-lesion',
    );
  });

  it('routes a context parsed from real metadata', () => {
    const { context: parsed } = parseClinicalMetadata({ distribution: 'focal', 'body-site': 'Face' });
    const decision = selectRoute(loaded(), parsed);
    assert.equal(decision.name, 'face-lesion');
    assert.equal(decision.reason, 'extent is localized; body site is face');
  });

  it('says "default route" for a route without conditions', async () => {
    const path = await writeTable(
      'default.yaml',
      `${modelsYaml}routes:\n  - { name: catch-all, classifier: lesion-classifier, prompt: p }\n`,
    );
    const decision = selectRoute(await loadRoutingTable(path), context({ extent: 'widespread' }));
    assert.equal(decision.name, 'catch-all');
    assert.equal(decision.reason, 'default route (no conditions)');
  });

  it('throws NO_ROUTE when nothing matches, naming extent and body site', async () => {
    const path = await writeTable(
      'localized-only.yaml',
      `${modelsYaml}routes:\n  - { name: only, when: { extent: localized }, classifier: lesion-classifier, prompt: p }\n`,
    );
    const onlyLocalized = await loadRoutingTable(path);
    const error = await failureOf(() =>
      selectRoute(onlyLocalized, context({ extent: 'widespread', bodySite: 'trunk' })),
    );
    assert.ok(error instanceof BadInputError);
    assert.equal(error.code, 'NO_ROUTE');
    assert.equal(error.step, 'route');
    assert.equal(error.retriable, false);
    assert.equal(
      error.message,
      'no route in the routing table matches extent "widespread" and body site "trunk"',
    );
  });

  it('matches body-site and specialty conditions whatever their case in the table', async () => {
    // Parsed contexts are lower-cased; a table written "Face" or "Dermatology" must still match
    // rather than silently never routing.
    const path = await writeTable(
      'capitalised.yaml',
      `${modelsYaml}routes:
  - { name: face, when: { bodySite: [Face] }, classifier: lesion-classifier, prompt: p }
  - { name: derm, when: { specialty: [Dermatology] }, classifier: lesion-classifier, prompt: p }
  - { name: rest, classifier: rash-classifier, prompt: p }
`,
    );
    const capitalised = await loadRoutingTable(path);
    const { context: face } = parseClinicalMetadata({ bodySite: 'Face' });
    const { context: derm } = parseClinicalMetadata({ specialty: 'Dermatology' });
    assert.equal(selectRoute(capitalised, face).name, 'face');
    assert.equal(selectRoute(capitalised, derm).name, 'derm');
  });
});

describe('the default routing table models/routes.yaml', () => {
  it("routes 'unspecified' to the detector route", async (t) => {
    const tablePath = resolve('models/routes.yaml');
    if (!existsSync(resolve('models/lesion-detector.card.json'))) {
      t.skip('models/lesion-detector.card.json is not built yet');
      return;
    }
    const table = await loadRoutingTable(tablePath);
    const decision = selectRoute(table, context({ extent: 'unspecified' }));
    assert.equal(decision.name, 'unspecified-extent');
    assert.equal(decision.detector, 'lesion-detector');
    assert.equal(decision.classifier, 'lesion-classifier');
    assert.equal(selectRoute(table, context({ extent: 'localized' })).detector, 'lesion-detector');
    assert.equal(selectRoute(table, context({ extent: 'widespread' })).detector, null);
  });

  it('sends a dermoscopy image to the lesion outline, unless the eruption is widespread', async () => {
    const table = await loadRoutingTable(resolve('models/routes.yaml'));
    const dermoscopy = selectRoute(table, context({ extent: 'unspecified', imageType: 'dermoscopy' }));
    assert.equal(dermoscopy.name, 'dermoscopy-lesion');
    assert.equal(dermoscopy.detector, 'lesion-outline');
    assert.equal(dermoscopy.reason, 'extent is unspecified; image type is dermoscopy');
    assert.equal(table.models.get('lesion-outline')?.card.status, 'demo');
    // The dermoscopy route comes before the routes that ask the image: no extent is predicted.
    assert.equal(needsPredictedExtent(table, context({ imageType: 'dermoscopy' })), false);
    assert.equal(needsPredictedExtent(table, context({ imageType: 'clinical' })), true);
    const widespread = selectRoute(table, context({ extent: 'widespread', imageType: 'dermoscopy' }));
    assert.equal(widespread.name, 'widespread-rash');
    const clinical = selectRoute(table, context({ extent: 'localized', imageType: 'clinical' }));
    assert.equal(clinical.detector, 'lesion-detector');
  });
});
