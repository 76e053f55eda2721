/**
 * `ddx serve-models` over HTTP with the real demo models: the SageMaker container and runtime
 * contracts, Roboflow's detect contract and its exact response shape, the Open Inference Protocol
 * v2 (KServe / Triton), and the errors each contract answers in its own wire shape.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createSageMakerClassifier } from '../../src/adapters/classifier/sagemaker.js';
import { roboflowResponseSchema } from '../../src/adapters/shared/roboflow/roboflow-response.js';
import { loadRoutingTable, type RoutingTable } from '../../src/clinical/routing-table.js';
import { routedModelProvider } from '../../src/compose.js';
import { packageRoot } from '../../src/config.js';
import type { DecodedImage } from '../../src/domain.js';
import { DependencyError, ServiceErrorCode } from '../../src/errors.js';
import { decodeImage } from '../../src/imaging/decode-image.js';
import { type RunningModelServer, startModelServer } from '../../src/model-server/model-server.js';
import type { ModelProvider } from '../../src/ports.js';
import { failureOf } from '../support/unit-helpers.js';
import { withClassify } from '../support/wrapped-classifier.js';

const apiKey = 'serve-models-test-key';
const samplePath = (name: string) => join(packageRoot, 'samples', name);

describe('model server', () => {
  let table: RoutingTable;
  let models: ModelProvider;
  let server: RunningModelServer;
  let melanoma: Buffer;
  let melanomaImage: DecodedImage;

  before(async () => {
    table = await loadRoutingTable(join(packageRoot, 'models', 'routes.yaml'));
    models = routedModelProvider(table);
    server = await startModelServer({
      models,
      table,
      port: 0,
      host: '127.0.0.1',
      defaultModel: 'rash-classifier',
      apiKey,
    });
    melanoma = await readFile(samplePath('localized-melanoma-back.jpg'));
    melanomaImage = (await decodeImage(melanoma, { maxPixels: 50e6 })).image;
  });
  after(async () => {
    await server.close();
    await models.close?.();
  });

  const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers });
  const image = (contentType = 'application/x-image') => ({ 'content-type': contentType });
  const labelsOf = (id: string) => table.models.get(id)?.card.labels ?? [];

  it('answers GET /ping with 200 and an empty body', async () => {
    const response = await fetch(`${server.url}/ping`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), '');
  });

  it('runs the model named by X-Amzn-SageMaker-Target-Model on /invocations, as the ONNX model ranks it', async () => {
    const response = await post('/invocations', melanoma, {
      ...image('image/jpeg'),
      'x-amzn-sagemaker-target-model': 'lesion-classifier',
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as { predictions: { label: string; score: number }[] };
    const local = await (await models.classifier('lesion-classifier')).classify(melanomaImage);
    assert.deepEqual(
      body.predictions,
      local.map(({ label, probability }) => ({ label, score: probability })),
    );
  });

  it('runs the default model on /invocations without a target model, and accepts a .tar.gz target', async () => {
    const plain = (await (await post('/invocations', melanoma, image())).json()) as {
      predictions: { label: string }[];
    };
    assert.deepEqual(
      plain.predictions.map((entry) => entry.label).sort(),
      [...labelsOf('rash-classifier')].sort(),
    );
    const archived = await post('/invocations', melanoma, {
      ...image(),
      'x-amzn-sagemaker-target-model': 'lesion-classifier.tar.gz',
    });
    assert.equal(archived.status, 200);
  });

  it('selects the model by endpoint name on the runtime path and takes PNG and { image: base64 } bodies', async () => {
    const png = await sharp(melanoma).png().toBuffer();
    const fromPng = await post('/endpoints/lesion-classifier/invocations', png, image('image/png'));
    const fromJson = await post(
      '/endpoints/lesion-classifier/invocations',
      JSON.stringify({ image: melanoma.toString('base64') }),
      image('application/json'),
    );
    const fromJpeg = await post('/endpoints/lesion-classifier/invocations', melanoma, image());
    assert.deepEqual([fromPng.status, fromJson.status, fromJpeg.status], [200, 200, 200]);
    // The JSON body carries the same JPEG bytes: the same answer.
    assert.deepEqual(await fromJson.json(), await fromJpeg.json());
    const labels = ((await fromPng.json()) as { predictions: { label: string }[] }).predictions.map(
      (p) => p.label,
    );
    assert.deepEqual(labels.sort(), [...labelsOf('lesion-classifier')].sort());
  });

  it("answers a detector's runtime call with Roboflow-style centre boxes of the received image", async () => {
    const response = await post('/endpoints/lesion-detector/invocations', melanoma, image('image/jpeg'));
    assert.equal(response.status, 200);
    const body = roboflowResponseSchema.parse(await response.json());
    assert.deepEqual(body.image, { width: melanomaImage.width, height: melanomaImage.height });
    assert.ok(body.predictions.length >= 1);
  });

  it("answers Roboflow's detect call in Roboflow's exact shape, centre boxes matching the ONNX top-left boxes", async () => {
    const response = await post(`/lesion-detector/1?api_key=${apiKey}`, melanoma.toString('base64'), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(response.status, 200);
    const json = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['image', 'predictions', 'time']);
    const body = roboflowResponseSchema.parse(json);
    assert.ok(typeof body.time === 'number' && body.time >= 0 && body.time < 60);
    const local = await (await models.detector('lesion-detector')).detect(melanomaImage);
    assert.ok(local.length >= 1);
    assert.equal(body.predictions.length, local.length);
    body.predictions.forEach((prediction, index) => {
      const detection = local[index];
      assert.ok(detection);
      assert.deepEqual(Object.keys(prediction).sort(), [
        'class',
        'class_id',
        'confidence',
        'detection_id',
        'height',
        'width',
        'x',
        'y',
      ]);
      const { box } = detection;
      assert.ok(Math.abs(prediction.x - (box.x + box.width / 2)) < 1e-9);
      assert.ok(Math.abs(prediction.y - (box.y + box.height / 2)) < 1e-9);
      assert.equal(prediction.width, box.width);
      assert.equal(prediction.height, box.height);
      assert.equal(prediction.confidence, detection.confidence);
      assert.equal(prediction.class, detection.label);
      assert.equal(prediction.class_id, labelsOf('lesion-detector').indexOf(detection.label));
    });
  });

  it('applies a stricter confidence sent as a percentage', async () => {
    const strict = await post(
      `/lesion-detector/1?api_key=${apiKey}&confidence=100`,
      melanoma.toString('base64'),
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    const body = roboflowResponseSchema.parse(await strict.json());
    assert.ok(body.predictions.every((prediction) => prediction.confidence >= 1));
    const invalid = await post(
      `/lesion-detector/1?api_key=${apiKey}&confidence=140`,
      melanoma.toString('base64'),
    );
    assert.equal(invalid.status, 400);
  });

  it('answers a body that is not an image with 400 ValidationError, and an unknown content type with 415', async () => {
    const text = await post('/invocations', 'hello, this is not an image', image());
    assert.equal(text.status, 400);
    assert.equal(text.headers.get('x-amzn-errortype'), 'ValidationError');
    assert.match(((await text.json()) as { message: string }).message, /unsupported image format/);
    const plain = await post('/invocations', 'hello', image('text/plain'));
    assert.equal(plain.status, 415);
    const notBase64 = await post(`/lesion-detector/1?api_key=${apiKey}`, '<<not base64>>');
    assert.equal(notBase64.status, 400);
  });

  it('answers an unknown model with 404 on every contract', async () => {
    const byHeader = await post('/invocations', melanoma, {
      ...image(),
      'x-amzn-sagemaker-target-model': 'nope',
    });
    const byEndpoint = await post('/endpoints/nope/invocations', melanoma, image());
    const byProject = await post(`/nope/1?api_key=${apiKey}`, melanoma.toString('base64'));
    assert.deepEqual([byHeader.status, byEndpoint.status, byProject.status], [404, 404, 404]);
    assert.equal(byEndpoint.headers.get('x-amzn-errortype'), 'ValidationError');
  });

  it('refuses bodies over 6 MB with 413', async () => {
    const oversize = Buffer.alloc(6 * 1024 * 1024 + 1, 0xff);
    const sageMaker = await post('/invocations', oversize, image());
    assert.equal(sageMaker.status, 413);
    const roboflow = await post(`/lesion-detector/1?api_key=${apiKey}`, 'A'.repeat(6 * 1024 * 1024 + 4));
    assert.equal(roboflow.status, 413);
    // The server still answers afterwards.
    assert.equal((await fetch(`${server.url}/ping`)).status, 200);
  });

  it('checks the api_key on the Roboflow path when one is configured, and not otherwise', async () => {
    const body = melanoma.toString('base64');
    const missing = await post('/lesion-detector/1', body);
    const wrong = await post('/lesion-detector/1?api_key=guess', body);
    assert.deepEqual([missing.status, wrong.status], [401, 401]);
    const open = await startModelServer({ models, table, port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`${open.url}/lesion-detector/7`, { method: 'POST', body });
      assert.equal(response.status, 200);
    } finally {
      await open.close();
    }
  });

  it("reports a failing model as SageMaker's 424 ModelError, which the SDK adapter maps to MODEL_ERROR", async () => {
    const failing = withClassify(models, () => async () => {
      throw new DependencyError('ONNX model failed: bad tensor', {
        code: ServiceErrorCode.modelError,
        retriable: false,
      });
    });
    const broken = await startModelServer({ models: failing, table, port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`${broken.url}/endpoints/lesion-classifier/invocations`, {
        method: 'POST',
        body: melanoma,
        headers: image(),
      });
      assert.equal(response.status, 424);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ModelError');
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.OriginalStatusCode, 500);
      assert.ok(!JSON.stringify(body).includes('bad tensor'), 'internal details stay in the log');

      const card = table.models.get('lesion-classifier')?.card;
      assert.ok(card?.task === 'classification');
      const classifier = createSageMakerClassifier({
        endpoint: 'lesion-classifier',
        card,
        clientConfig: {
          endpoint: broken.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        },
      });
      try {
        const error = await failureOf(() => classifier.classify(melanomaImage));
        assert.ok(error instanceof DependencyError);
        assert.deepEqual([error.code, error.retriable], ['MODEL_ERROR', false]);
        assert.match(error.message, /container answered 500/);
      } finally {
        await classifier.close();
      }
    } finally {
      await broken.close();
    }
  });

  describe('Open Inference Protocol v2', () => {
    const v2 = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
    const infer = (path: string, body: unknown) =>
      v2(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const blank = (shape: number[]) => ({
      name: 'images',
      shape,
      datatype: 'FP32',
      data: new Array(shape.reduce((product, size) => product * size, 1)).fill(0.5),
    });

    it('answers health, server metadata (binary_tensor_data) and model metadata from the card', async () => {
      for (const path of ['/v2/health/live', '/v2/health/ready', '/v2/models/lesion-classifier/ready']) {
        const response = await v2(path);
        assert.equal(response.status, 200, path);
        assert.equal(await response.text(), '');
      }
      const metadata = (await (await v2('/v2')).json()) as { extensions: string[] };
      assert.ok(metadata.extensions.includes('binary_tensor_data'));
      assert.deepEqual(await (await v2('/v2/models/lesion-classifier/versions/1.0.0')).json(), {
        name: 'lesion-classifier',
        versions: ['1.0.0'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 128, 128] }],
        outputs: [{ name: 'logits', datatype: 'FP32', shape: [1, 5] }],
      });
    });

    it('runs the graph on a JSON tensor and echoes the request id', async () => {
      const response = await infer('/v2/models/lesion-classifier/infer', {
        id: 'req-7',
        inputs: [blank([1, 3, 128, 128])],
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as {
        id: string;
        model_name: string;
        outputs: { name: string; shape: number[]; data: number[] }[];
      };
      assert.deepEqual(
        [body.id, body.model_name, body.outputs[0]?.name, body.outputs[0]?.shape],
        ['req-7', 'lesion-classifier', 'logits', [1, 5]],
      );
      assert.equal(body.outputs[0]?.data.length, 5);
    });

    for (const [name, path, body, status, message] of [
      [
        'an unknown model',
        '/v2/models/nope/infer',
        { inputs: [blank([1, 3, 128, 128])] },
        404,
        /not served here/,
      ],
      [
        'an unknown version',
        '/v2/models/lesion-classifier/versions/9/infer',
        { inputs: [blank([1, 3, 128, 128])] },
        404,
        /no version 9/,
      ],
      [
        'a wrong shape',
        '/v2/models/lesion-classifier/infer',
        { inputs: [blank([1, 3, 64, 64])] },
        400,
        /must have shape \[1, 3, 128, 128\]/,
      ],
      [
        'a wrong input name',
        '/v2/models/lesion-classifier/infer',
        { inputs: [{ ...blank([1, 3, 128, 128]), name: 'pixel_values' }] },
        400,
        /takes input "images"/,
      ],
      [
        'an unknown output',
        '/v2/models/lesion-classifier/infer',
        { inputs: [blank([1, 3, 128, 128])], outputs: [{ name: 'probs' }] },
        400,
        /no output "probs"/,
      ],
      [
        'data that does not fill the shape',
        '/v2/models/lesion-classifier/infer',
        { inputs: [{ ...blank([1, 3, 128, 128]), data: [1, 2] }] },
        400,
        /holds 2 values/,
      ],
      [
        'a body that is not a v2 request',
        '/v2/models/lesion-classifier/infer',
        { instances: [[1, 2]] },
        400,
        /not a v2 inference request/,
      ],
    ] as const) {
      it(`answers ${status} { error } for ${name}`, async () => {
        const response = await infer(path, body);
        assert.equal(response.status, status);
        assert.match(((await response.json()) as { error: string }).error, message);
      });
    }
  });

  it('refuses to start with a default model that is not in the table', async () => {
    await assert.rejects(
      startModelServer({ models, table, port: 0, host: '127.0.0.1', defaultModel: 'missing' }),
      /default model "missing" is not in the routing table/,
    );
  });
});
