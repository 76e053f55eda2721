/**
 * The SageMaker, Roboflow and KServe v2 adapters against a scripted loopback server that answers with each
 * service's own errors, in their wire shapes: what is retried and then succeeds, what fails at
 * once, with which code and retriable flag, and what every request carries.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createKServeClassifier } from '../../src/adapters/classifier/kserve.js';
import { createSageMakerClassifier } from '../../src/adapters/classifier/sagemaker.js';
import { createKServeDetector } from '../../src/adapters/detector/kserve.js';
import { createRoboflowDetector } from '../../src/adapters/detector/roboflow.js';
import { createSageMakerDetector } from '../../src/adapters/detector/sagemaker.js';
import { createKServeModelClient } from '../../src/adapters/shared/kserve/infer-client.js';
import type { SageMakerEndpointSettings } from '../../src/adapters/shared/sagemaker/invoke-endpoint.js';
import { DdxError } from '../../src/errors.js';
import { type ClassificationCard, type DetectionCard, modelCardSchema } from '../../src/models/model-card.js';
import type { RetryPolicy } from '../../src/resilience/retry.js';
import { failureOf, noisyPixels, uniformImage } from '../support/unit-helpers.js';

const policy: RetryPolicy = { attempts: 3, timeoutMs: 500, baseDelayMs: 1, maxDelayMs: 5 };

// ---------------------------------------------------------------------------------------------
// A scripted loopback server: one step per request, every request recorded.

interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Reply = { status: number; headers?: Record<string, string>; body: unknown };
type Step = Reply | 'reset' | 'hang' | ((request: RecordedRequest) => Promise<Reply>);

interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  script(...steps: Step[]): void;
  close(): Promise<void>;
}

async function startScriptedServer(): Promise<ScriptedServer> {
  let steps: Step[] = [];
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const recorded = {
      method: request.method ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(recorded);
    const step = steps.shift() ?? { status: 500, body: { message: 'the test script ran out of steps' } };
    if (step === 'reset') {
      request.socket.destroy();
      return;
    }
    if (step === 'hang') return;
    const reply = typeof step === 'function' ? await step(recorded) : step;
    const text =
      typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(text);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...next) => {
      steps = next;
      requests.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// SageMaker's answers, as the runtime API sends them (restJson1: x-amzn-errortype + JSON body).

const sageMaker = {
  error: (status: number, type: string, body: Record<string, unknown>): Reply => ({
    status,
    headers: { 'x-amzn-errortype': type, 'x-amzn-requestid': 'f4b1c7e2-1111-2222-3333-444455556666' },
    body,
  }),
  validationError: () =>
    sageMaker.error(400, 'ValidationError:http://internal.amazon.com/coral/com.amazon.coral.validate/', {
      message: 'Endpoint derm-lesion-v3 of account 123456789012 not found.',
    }),
  modelError: () =>
    sageMaker.error(424, 'ModelError', {
      message:
        'Received server error (500) from primary with message "CUDA out of memory". See https://us-east-1.console.aws.amazon.com/cloudwatch/home for more information.',
      OriginalStatusCode: 500,
      OriginalMessage: 'CUDA out of memory',
      LogStreamArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/Endpoints/derm-lesion-v3',
    }),
  modelNotReady: () =>
    sageMaker.error(429, 'ModelNotReadyException', { message: 'Model derm-lesion-v3 is not ready yet' }),
  throttling: () => sageMaker.error(400, 'ThrottlingException', { message: 'Rate exceeded' }),
  serviceUnavailable: () => sageMaker.error(503, 'ServiceUnavailable', { message: 'Service Unavailable' }),
  internalFailure: () => sageMaker.error(500, 'InternalFailure', { message: 'An internal failure occurred' }),
  internalDependency: () =>
    sageMaker.error(530, 'InternalDependencyException', { message: 'Internal dependency failed' }),
  accessDenied: () =>
    sageMaker.error(403, 'AccessDeniedException', {
      message: 'User is not authorized to perform InvokeEndpoint',
    }),
  classification: (): Reply => ({
    status: 200,
    body: {
      predictions: [
        { label: 'melanoma', score: 0.7 },
        { label: 'nevus', score: 0.3 },
      ],
    },
  }),
};

const classificationCard = modelCardSchema.parse({
  id: 'lesion-classifier',
  version: '3',
  task: 'classification',
  labels: ['melanoma', 'nevus'],
  input: { name: 'input', width: 32, height: 32, layout: 'NCHW' },
  output: { name: 'output', activation: 'probabilities' },
}) as ClassificationCard;

const detectionCard = modelCardSchema.parse({
  id: 'lesion-detector',
  version: '2',
  task: 'detection',
  labels: ['lesion'],
  input: { name: 'images', width: 64, height: 64, layout: 'NCHW', resize: 'letterbox' },
  output: { name: 'output0', format: 'yolov8' },
}) as DetectionCard;

const image = uniformImage(120, 90, { r: 200, g: 150, b: 120 });
const recordId = 'rec_0123456789abcdef0123456789abcdef';

async function failureCode(action: () => Promise<unknown>) {
  const error = await failureOf(action);
  assert.ok(error instanceof DdxError, String(error));
  return { code: error.code, retriable: error.retriable, message: error.message };
}

async function jpegSize(
  bytes: Buffer,
): Promise<{ width: number; height: number; format: string | undefined }> {
  const { width = 0, height = 0, format } = await sharp(bytes).metadata();
  return { width, height, format };
}

describe('SageMaker InvokeEndpoint against scripted SageMaker answers', () => {
  let server: ScriptedServer;
  let closers: (() => Promise<void>)[] = [];
  before(async () => {
    server = await startScriptedServer();
  });
  afterEach(async () => {
    await Promise.all(closers.map((close) => close()));
    closers = [];
  });
  after(() => server.close());

  const classifier = (overrides: Partial<SageMakerEndpointSettings> = {}) => {
    const created = createSageMakerClassifier({
      endpoint: 'derm-lesion-v3',
      card: classificationCard,
      customAttributes: 'tenant=demo;trace=on',
      targetModel: 'lesion-classifier.tar.gz',
      clientConfig: {
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      },
      policy,
      ...overrides,
    });
    closers.push(created.close);
    return created;
  };

  it('sends the JPEG with ContentType, Accept, CustomAttributes, TargetModel and InferenceId = the record id', async () => {
    server.script(sageMaker.classification());
    const ranked = await classifier().classify(image, { recordId });
    assert.deepEqual(
      ranked.map((score) => score.label),
      ['melanoma', 'nevus'],
    );
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/endpoints/derm-lesion-v3/invocations');
    assert.equal(request.headers['content-type'], 'application/x-image');
    assert.equal(request.headers.accept, 'application/json');
    assert.equal(request.headers['x-amzn-sagemaker-custom-attributes'], 'tenant=demo;trace=on');
    assert.equal(request.headers['x-amzn-sagemaker-target-model'], 'lesion-classifier.tar.gz');
    assert.equal(request.headers['x-amzn-sagemaker-inference-id'], recordId);
    assert.match(
      String(request.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sagemaker\//,
    );
    // Sized to just cover the card's input: the model resizes to it, more pixels only cost upload.
    const { width, height } = classificationCard.input;
    const scale = Math.min(1, Math.max(width / 120, height / 90));
    assert.deepEqual(await jpegSize(request.body), {
      width: Math.round(120 * scale),
      height: Math.round(90 * scale),
      format: 'jpeg',
    });
  });

  it('wraps the image as { "image": base64 } for JSON containers', async () => {
    server.script(sageMaker.classification());
    await classifier({ contentType: 'application/json' }).classify(image, { recordId });
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.headers['content-type'], 'application/json');
    const sent = JSON.parse(request.body.toString('utf8')) as { image: string };
    assert.deepEqual(Object.keys(sent), ['image']);
    const { width, height } = classificationCard.input;
    const scale = Math.min(1, Math.max(width / 120, height / 90));
    assert.deepEqual(await jpegSize(Buffer.from(sent.image, 'base64')), {
      width: Math.round(120 * scale),
      height: Math.round(90 * scale),
      format: 'jpeg',
    });
  });

  const transient: [string, Step][] = [
    ['429 ModelNotReadyException', sageMaker.modelNotReady()],
    ['ThrottlingException', sageMaker.throttling()],
    ['503 ServiceUnavailable', sageMaker.serviceUnavailable()],
    ['500 InternalFailure', sageMaker.internalFailure()],
    ['530 InternalDependencyException', sageMaker.internalDependency()],
    ['a connection reset', 'reset'],
    ['a hung request', 'hang'],
  ];
  for (const [name, failure] of transient) {
    it(`retries after ${name}, then succeeds`, async () => {
      server.script(failure, sageMaker.classification());
      const ranked = await classifier().classify(image, { recordId });
      assert.equal(ranked[0]?.label, 'melanoma');
      assert.equal(server.requests.length, 2);
      // Every attempt is the same inference: same id, same body.
      assert.equal(server.requests[1]?.headers['x-amzn-sagemaker-inference-id'], recordId);
      assert.deepEqual(server.requests[1]?.body, server.requests[0]?.body);
    });
  }

  const failures: [string, Step, { code: string; retriable: boolean; attempts: number }][] = [
    [
      '400 ValidationError',
      sageMaker.validationError(),
      { code: 'MODEL_ERROR', retriable: false, attempts: 1 },
    ],
    ['424 ModelError', sageMaker.modelError(), { code: 'MODEL_ERROR', retriable: false, attempts: 1 }],
    [
      '403 AccessDeniedException',
      sageMaker.accessDenied(),
      { code: 'DEPENDENCY_UNAVAILABLE', retriable: false, attempts: 1 },
    ],
    [
      '429 ModelNotReadyException',
      sageMaker.modelNotReady(),
      { code: 'THROTTLED', retriable: true, attempts: 3 },
    ],
    [
      '503 ServiceUnavailable',
      sageMaker.serviceUnavailable(),
      { code: 'DEPENDENCY_UNAVAILABLE', retriable: true, attempts: 3 },
    ],
    ['a connection reset', 'reset', { code: 'DEPENDENCY_UNAVAILABLE', retriable: true, attempts: 3 }],
    ['a hung request', 'hang', { code: 'DEPENDENCY_TIMEOUT', retriable: true, attempts: 3 }],
  ];
  for (const [name, failure, expected] of failures) {
    it(`fails with ${expected.code} (retriable: ${expected.retriable}) on ${name}`, async () => {
      server.script(failure, failure, failure, sageMaker.classification());
      const error = await failureCode(() => classifier().classify(image, { recordId }));
      assert.equal(error.code, expected.code, error.message);
      assert.equal(error.retriable, expected.retriable);
      assert.equal(server.requests.length, expected.attempts);
    });
  }

  it("names the container's status, message and log stream of a ModelError", async () => {
    server.script(sageMaker.modelError());
    const error = await failureCode(() => classifier().classify(image));
    assert.match(error.message, /ModelError \(HTTP 424\)/);
    assert.match(error.message, /container answered 500: CUDA out of memory/);
    assert.match(error.message, /log-group:\/aws\/sagemaker\/Endpoints\/derm-lesion-v3/);
  });

  it('fails a response of an unknown shape as INVALID_MODEL_OUTPUT without retrying', async () => {
    server.script({ status: 200, body: { result: 'melanoma' } }, sageMaker.classification());
    const error = await failureCode(() => classifier().classify(image));
    assert.deepEqual(
      [error.code, error.retriable, server.requests.length],
      ['INVALID_MODEL_OUTPUT', false, 1],
    );
  });

  it('does not call the endpoint once the job was aborted', async () => {
    server.script(sageMaker.classification());
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(classifier().classify(image, { signal: controller.signal }));
    assert.equal(server.requests.length, 0);
  });

  it('the default client reaches AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME', async () => {
    const names = [
      'AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ];
    const saved = names.map((name) => process.env[name]);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: server.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    try {
      server.script(sageMaker.classification());
      await classifier({ clientConfig: undefined }).classify(image, { recordId });
      assert.equal(server.requests[0]?.path, '/endpoints/derm-lesion-v3/invocations');
      assert.match(
        String(server.requests[0]?.headers.authorization),
        /AKIDFROMENV\/\d{8}\/eu-west-1\/sagemaker\//,
      );
    } finally {
      names.forEach((name, index) => {
        const value = saved[index];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
    }
  });

  it('downscales an image over the payload limit and maps the boxes back to the original', async () => {
    const noisy = { width: 400, height: 300, pixels: noisyPixels(400, 300) };
    // The endpoint answers a box at the centre of whatever it received, a quarter of its size.
    server.script(async (request) => {
      const { width, height } = await jpegSize(request.body);
      return {
        status: 200,
        body: {
          predictions: [
            {
              x: width / 2,
              y: height / 2,
              width: width / 4,
              height: height / 4,
              confidence: 0.9,
              class: 'lesion',
            },
          ],
        },
      };
    });
    const detector = createSageMakerDetector({
      endpoint: 'derm-lesion-detector',
      card: detectionCard,
      clientConfig: {
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      },
      policy,
      maxPayloadBytes: 40_000,
      // The table's maxSide in place of the card's input: large enough that only the byte cap shrinks it.
      maxSide: 400,
    });
    closers.push(detector.close);
    const detections = await detector.detect(noisy, { recordId });
    const [request] = server.requests;
    assert.ok(request);
    assert.ok(request.body.length <= 40_000, `sent ${request.body.length} bytes`);
    const sent = await jpegSize(request.body);
    assert.ok(sent.width < 400, `sent ${sent.width} x ${sent.height}`);
    assert.ok(Math.abs(sent.width / sent.height - 4 / 3) < 0.02, 'the aspect ratio is kept');
    assert.equal(detections.length, 1);
    const box = detections[0]?.box;
    assert.ok(box);
    for (const [actual, expected] of [
      [box.x, 150],
      [box.y, 112.5],
      [box.width, 100],
      [box.height, 75],
    ] as const) {
      assert.ok(Math.abs(actual - expected) < 1e-9, JSON.stringify(box));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Roboflow's answers.

const apiKey = 'rf_SeCrEt0123456789';

describe('Roboflow detect against scripted Roboflow answers', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());

  const detector = (maxSide?: number) =>
    createRoboflowDetector({
      apiUrl: `${server.url}/`,
      apiKey,
      project: 'skin-lesions',
      version: 3,
      card: detectionCard,
      confidence: 0.4,
      overlap: 0.3,
      policy,
      maxSide,
    });
  // A box at the centre of the image Roboflow received, a tenth of its size.
  const detected = (width: number, height: number): Reply => ({
    status: 200,
    body: {
      time: 0.0421,
      image: { width, height },
      predictions: [
        {
          x: width / 2,
          y: height / 2,
          width: width / 10,
          height: height / 10,
          confidence: 0.83,
          class: 'lesion',
          class_id: 0,
          detection_id: '7a9f6c1e-5f0b-4d8e-9c55-1a2b3c4d5e6f',
        },
      ],
    },
  });
  const roboflowError = (status: number, message: string): Reply => ({ status, body: { message } });

  it('posts the base64 JPEG form body with api_key, confidence and overlap as percentages', async () => {
    const wide = uniformImage(2000, 1000, { r: 180, g: 140, b: 110 });
    const { width, height } = detectionCard.input;
    const scale = Math.max(width / 2000, height / 1000);
    const sentSize = { width: Math.round(2000 * scale), height: Math.round(1000 * scale) };
    server.script(detected(sentSize.width, sentSize.height));
    const detections = await detector().detect(wide);
    const [request] = server.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/skin-lesions/3');
    assert.deepEqual(Object.fromEntries(request.query), { api_key: apiKey, confidence: '40', overlap: '30' });
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    // Sent just covering the card's input size.
    const sent = await jpegSize(Buffer.from(request.body.toString('latin1'), 'base64'));
    assert.deepEqual(sent, { ...sentSize, format: 'jpeg' });
    // A centred box a tenth of the sent image -> top-left in the 2000 x 1000 original.
    assert.deepEqual(detections, [
      { box: { x: 900, y: 450, width: 200, height: 100 }, confidence: 0.83, label: 'lesion' },
    ]);
  });

  it("sends the routing table's maxSide in place of the card's input size", async () => {
    const wide = uniformImage(2000, 1000, { r: 180, g: 140, b: 110 });
    server.script(detected(1280, 640));
    const detections = await detector(1280).detect(wide);
    const request = server.requests.at(-1);
    assert.ok(request);
    const sent = await jpegSize(Buffer.from(request.body.toString('latin1'), 'base64'));
    assert.deepEqual(sent, { width: 1280, height: 640, format: 'jpeg' });
    assert.deepEqual(detections, [
      { box: { x: 900, y: 450, width: 200, height: 100 }, confidence: 0.83, label: 'lesion' },
    ]);
  });

  for (const status of [401, 403]) {
    it(`fails at once, not retriable, on ${status}, without the key in the error`, async () => {
      server.script(roboflowError(status, `Unauthorized api_key ${apiKey}`), detected(120, 90));
      const error = await failureCode(() => detector().detect(image));
      assert.equal(error.retriable, false);
      assert.equal(server.requests.length, 1);
      assert.match(error.message, new RegExp(`HTTP ${status}`));
      assert.ok(!error.message.includes(apiKey), error.message);
    });
  }

  for (const [name, failure] of [
    ['429', roboflowError(429, 'Too Many Requests')],
    ['500', roboflowError(500, 'Internal Server Error')],
    ['a connection reset', 'reset'],
  ] as [string, Step][]) {
    it(`retries after ${name}, then succeeds`, async () => {
      server.script(failure, detected(120, 90));
      assert.equal((await detector().detect(image)).length, 1);
      assert.equal(server.requests.length, 2);
    });
  }

  it('fails retriable after the last attempt when the API keeps answering 500', async () => {
    const failure = roboflowError(500, 'Internal Server Error');
    server.script(failure, failure, failure, detected(120, 90));
    const error = await failureCode(() => detector().detect(image));
    assert.deepEqual(
      [error.code, error.retriable, server.requests.length],
      ['DEPENDENCY_UNAVAILABLE', true, 3],
    );
  });

  it('fails an answer that is not Roboflow-shaped as INVALID_MODEL_OUTPUT', async () => {
    server.script({ status: 200, body: { predictions: [{ box: [1, 2, 3, 4] }] } });
    const error = await failureCode(() => detector().detect(image));
    assert.deepEqual(
      [error.code, error.retriable, server.requests.length],
      ['INVALID_MODEL_OUTPUT', false, 1],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// KServe / Triton Open Inference Protocol v2.

/**
 * Answers recorded from the protocol's published examples: the inference example of KServe's
 * docs/predict-api/v2/required_api.md (a [3, 2] FP32 output0; the document's JSON lacks the comma
 * after "id", added here), Triton's docs/protocol/extension_binary_data.md (the same output as 24
 * binary bytes after the JSON header) and Triton's server metadata, which lists its extensions.
 */
const published = {
  jsonResponse: {
    id: '42',
    outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] }],
  },
  binaryHeader: {
    outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', parameters: { binary_data_size: 24 } }],
  },
  tritonServerMetadata: {
    name: 'triton',
    version: '2.41.0',
    extensions: [
      'classification',
      'sequence',
      'model_repository',
      'model_repository(unload_dependents)',
      'schedule_policy',
      'model_configuration',
      'system_shared_memory',
      'cuda_shared_memory',
      'binary_tensor_data',
      'parameters',
      'statistics',
      'trace',
      'logging',
    ],
  },
  kserveServerMetadata: { name: 'kserve', version: '0.14.0', extensions: [] },
};

function binaryReply(header: unknown, values: number[]): Reply {
  const json = Buffer.from(JSON.stringify(header));
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => {
    bytes.writeFloatLE(value, index * 4);
  });
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(json.length),
    },
    body: Buffer.concat([json, bytes]),
  };
}

const ready: Reply = { status: 200, body: '' };

describe('KServe v2 against answers recorded from the published protocol examples', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());
  const input = { name: 'input0', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };

  it('reads the JSON inference response of the KServe spec, after asking readiness and extensions', async () => {
    server.script(
      ready,
      { status: 200, body: published.kserveServerMetadata },
      { status: 200, body: published.jsonResponse },
    );
    const client = createKServeModelClient({ url: server.url, model: 'mymodel', policy });
    const output = await client.infer(input, 'output0', { recordId: '42' });
    assert.deepEqual(output.shape, [3, 2]);
    assert.deepEqual(Array.from(output.data), Array.from(Float32Array.from([1.0, 1.1, 2.0, 2.1, 3.0, 3.1])));
    assert.deepEqual(
      server.requests.map((request) => `${request.method} ${request.path}`),
      ['GET /v2/health/ready', 'GET /v2', 'POST /v2/models/mymodel/infer'],
    );
    // No binary_tensor_data in the server's extensions: the request is plain JSON, as in the spec.
    const request = server.requests[2];
    assert.equal(request?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request?.body.toString() ?? ''), {
      id: '42',
      inputs: [{ name: 'input0', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }],
      outputs: [{ name: 'output0' }],
    });
  });

  it("sends and reads binary tensors as Triton's binary data extension example does", async () => {
    server.script(
      ready,
      { status: 200, body: published.tritonServerMetadata },
      binaryReply(published.binaryHeader, [1.0, 1.1, 2.0, 2.1, 3.0, 3.1]),
    );
    const client = createKServeModelClient({ url: server.url, model: 'mymodel', version: '3', policy });
    const output = await client.infer(input, 'output0');
    assert.deepEqual(Array.from(output.data), Array.from(Float32Array.from([1.0, 1.1, 2.0, 2.1, 3.0, 3.1])));
    const request = server.requests[2];
    assert.ok(request);
    assert.equal(request.path, '/v2/models/mymodel/versions/3/infer');
    assert.equal(request.headers['content-type'], 'application/octet-stream');
    const headerLength = Number(request.headers['inference-header-content-length']);
    assert.equal(request.body.length, headerLength + 16);
    assert.deepEqual(JSON.parse(request.body.subarray(0, headerLength).toString()), {
      inputs: [{ name: 'input0', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
      outputs: [{ name: 'output0', parameters: { binary_data: true } }],
    });
    assert.deepEqual(
      [0, 1, 2, 3].map((index) => request.body.readFloatLE(headerLength + index * 4)),
      [1, 2, 3, 4],
    );
  });

  it('fails a binary answer whose sizes do not add up as INVALID_MODEL_OUTPUT', async () => {
    server.script(ready, binaryReply(published.binaryHeader, [1, 2, 3]));
    const client = createKServeModelClient({ url: server.url, model: 'mymodel', binary: 'always', policy });
    const error = await failureCode(() => client.infer(input, 'output0'));
    assert.deepEqual([error.code, error.retriable], ['INVALID_MODEL_OUTPUT', false]);
  });
});

describe('KServe v2 detector and classifier against scripted v2 answers', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.close());

  const classifier = () =>
    createKServeClassifier({
      url: server.url,
      model: 'derm-lesion',
      card: classificationCard,
      binary: 'never',
      policy,
    });
  const scores = (data: number[], shape = [1, 2]): Reply => ({
    status: 200,
    body: { model_name: 'derm-lesion', outputs: [{ name: 'output', shape, datatype: 'FP32', data }] },
  });
  const v2Error = (status: number, error: string): Reply => ({ status, body: { error } });

  it('sends the card-prepared FP32 NCHW tensor tagged with the record id and ranks the answer', async () => {
    server.script(ready, scores([0.2, 0.8]));
    const ranked = await classifier().classify(image, { recordId });
    assert.deepEqual(ranked, [
      { label: 'nevus', probability: Math.fround(0.8) },
      { label: 'melanoma', probability: Math.fround(0.2) },
    ]);
    const body = JSON.parse(server.requests[1]?.body.toString() ?? '{}');
    assert.equal(body.id, recordId);
    assert.deepEqual(body.inputs[0].shape, [1, 3, 32, 32]);
    assert.equal(body.inputs[0].datatype, 'FP32');
    assert.equal(body.inputs[0].data.length, 3 * 32 * 32);
    // Scale 255, no mean/std in the card: the uniform image's red channel comes first.
    assert.ok(Math.abs(body.inputs[0].data[0] - 200 / 255) < 1e-6);
  });

  for (const [name, failure] of [
    ['503 (a model still loading)', v2Error(503, 'model derm-lesion is not ready')],
    ['429', v2Error(429, 'too many requests')],
    ['a connection reset', 'reset'],
    ['a hung server (attempt timeout)', 'hang'],
  ] as [string, Step][]) {
    it(`retries after ${name}, then succeeds`, async () => {
      server.script(ready, failure, scores([0.6, 0.4]));
      assert.equal((await classifier().classify(image))[0]?.label, 'melanoma');
      assert.equal(server.requests.length, 3);
    });
  }

  it('retries a server that is not ready yet before inferring', async () => {
    server.script({ status: 503, body: '' }, ready, scores([0.6, 0.4]));
    assert.equal((await classifier().classify(image)).length, 2);
    assert.deepEqual(
      server.requests.map((request) => request.path),
      ['/v2/health/ready', '/v2/health/ready', '/v2/models/derm-lesion/infer'],
    );
  });

  for (const [status, expected] of [
    [400, { code: 'MODEL_ERROR', retriable: false }],
    [404, { code: 'DEPENDENCY_UNAVAILABLE', retriable: false }],
  ] as const) {
    it(`fails at once with ${expected.code} on ${status}, naming the server's error`, async () => {
      server.script(
        ready,
        v2Error(status, "unexpected shape for input 'input' for model 'derm-lesion'"),
        scores([1, 0]),
      );
      const error = await failureCode(() => classifier().classify(image));
      assert.deepEqual(
        [error.code, error.retriable, server.requests.length],
        [expected.code, expected.retriable, 2],
      );
      assert.match(error.message, /unexpected shape for input/);
    });
  }

  it('fails retriable after the last attempt when the server keeps answering 500', async () => {
    const failure = v2Error(500, 'failed to run the model');
    server.script(ready, failure, failure, failure);
    const error = await failureCode(() => classifier().classify(image));
    assert.deepEqual(
      [error.code, error.retriable, server.requests.length],
      ['DEPENDENCY_UNAVAILABLE', true, 4],
    );
  });

  for (const [name, reply] of [
    [
      'a missing output',
      { status: 200, body: { outputs: [{ name: 'other', shape: [1, 2], datatype: 'FP32', data: [1, 0] }] } },
    ],
    ['a shape the card does not describe', scores([0.2, 0.3, 0.5], [1, 3])],
    ['data that does not fill the shape', scores([0.2], [1, 2])],
    ['a body that is not v2', { status: 200, body: { predictions: [0.2, 0.8] } }],
  ] as [string, Reply][]) {
    it(`fails ${name} as INVALID_MODEL_OUTPUT without retrying`, async () => {
      server.script(ready, reply);
      const error = await failureCode(() => classifier().classify(image));
      assert.deepEqual(
        [error.code, error.retriable, server.requests.length],
        ['INVALID_MODEL_OUTPUT', false, 2],
      );
    });
  }

  it('does not call the server once the job was aborted', async () => {
    server.script(ready, scores([0.5, 0.5]));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(classifier().classify(image, { signal: controller.signal }));
    assert.equal(server.requests.length, 0);
  });

  it('decodes a raw YOLO head into boxes in original-image pixels', async () => {
    // One anchor at the centre of the 64 x 64 letterboxed input, a quarter of its width.
    const anchors = 2;
    const head = [32, 10, 32, 10, 16, 4, 16, 4, 0.9, 0.1];
    server.script(ready, {
      status: 200,
      body: { outputs: [{ name: 'output0', shape: [1, 5, anchors], datatype: 'FP32', data: head }] },
    });
    const detector = createKServeDetector({
      url: server.url,
      model: 'lesion-detector',
      card: detectionCard,
      binary: 'never',
      policy,
    });
    const detections = await detector.detect(image);
    assert.equal(detections.length, 1);
    const [found] = detections;
    // 120 x 90 letterboxed into 64 x 64: scale 64/120, padded 8 px top and bottom.
    assert.ok(
      found && Math.abs(found.box.x + found.box.width / 2 - 60) < 0.5 && Math.abs(found.box.width - 30) < 0.5,
    );
  });
});
