/**
 * The `ddx` command line: a thin translation from arguments to the pipeline and back to text,
 * JSON and exit codes (0 usable record, 2 bad input, 1 anything else).
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../adapters/logger/json-lines.js';
import { formatBatchTable, runBatch } from '../cli/batch.js';
import { eventsCommand } from '../cli/events-command.js';
import { ExitCode, exitCodeFor, worstExitCode } from '../cli/exit-code.js';
import { formatRecordSummary } from '../cli/format-record.js';
import { outputFormat, writeRecordOutput } from '../cli/results-output.js';
import { LocalFileError, metadataFileBeside, uploadImage } from '../cli/upload-image.js';
import { UsageError } from '../cli/usage-error.js';
import { type ComposedDependencies, composeDependencies, routedModelProvider } from '../compose.js';
import { type Config, loadConfig } from '../config.js';
import { DdxError } from '../errors.js';
import { runInference } from '../pipeline/run-inference.js';
import { RecordStatus } from '../record.js';
import { uploadKeyFor } from '../uploads/key-scope.js';

const usage = `DDx Assist: medical-image inference orchestrator (demo models: not for clinical use)

Usage:
  ddx run <image> [--meta <file.json>] [--json]   upload an image as a clinician's app would and process it
                                                  (metadata from <image>.meta.json when --meta is not given)
  ddx batch <folder> [--concurrency N] [--json]   process every image in a folder (<image>.meta.json beside it)
  ddx results list [--status S] [--limit N] [--json]
  ddx results get <id> [--json | --format json|fhir|dicom-sr|pdf]
                                                  the record, or its FHIR R4 bundle, DICOM SR or PDF report
                                                  (binary formats only into a file: > report.pdf)
  ddx events list [--failed] [--limit N] [--json] record events in the outbox (--failed: dead-lettered)
  ddx events retry [<event id>] [--sink S]        dead-lettered events pending again, then sent
  ddx events drain                                send every event that is due (a scheduled sweep)
  ddx serve [--port N] [--host H] [--max-jobs N]  serve the HTTP API (POST /v1/uploads, POST /v1/jobs,
                                                  GET /v1/records); port 8000, host 127.0.0.1, 4 jobs at once
  ddx serve-models [--port N] [--host H] [--model ID]
                                                  serve the routed ONNX models over the SageMaker container
                                                  and runtime contracts, the Roboflow detect contract and
                                                  the KServe / Triton v2 protocol (/v2/...)
  ddx models check <model.onnx> [--card card.json] [--image probe.jpg] [--json]
                                                  inspect a model, run a probe image, explain what its card
                                                  gets wrong or print a card to start from

Options:
  --json       print the stored record(s) as JSON on stdout
  --verbose    log each step as JSON lines on stderr
  -h, --help   this text

Exit codes: 0 succeeded or degraded, 2 failed because of the input, 1 any other failure.
Configuration comes from DDX_* environment variables (see the README).`;

/**
 * Runs one `ddx` command; resolves to its exit code.
 *
 * @param environment the configuration's variables (config.ts); the process's when left out.
 * @example
 * process.exitCode = await main(['run', 'samples/localized-melanoma-back.jpg', '--json']);
 */
export async function main(argv: string[], environment?: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`ddx: ${(error as Error).message}\n\n${usage}\n`);
    return ExitCode.badInput;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${usage}\n`);
    return positionals.length === 0 && !values.help ? ExitCode.badInput : ExitCode.ok;
  }

  let deps: ComposedDependencies | undefined;
  try {
    // The CLI prints its own one-line errors: step logs only with --verbose or DDX_LOG_LEVEL. A
    // server has no one to print to: it logs a line per request.
    const logsByDefault = values.verbose || positionals[0] === 'serve';
    const config = loadConfig(environment, { DDX_LOG_LEVEL: logsByDefault ? 'info' : 'error' });
    if (positionals[0] === 'models') return await modelsCommand(positionals.slice(1), values);
    // The model server needs the models only, not the stores.
    if (positionals[0] === 'serve-models')
      return await serveModelsCommand(positionals.slice(1), values, config);
    deps = await composeDependencies(config);
    return await dispatch(positionals, values, config, deps);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ddx: ${error.message}\n\n${usage}\n`);
      return ExitCode.badInput;
    }
    if (error instanceof LocalFileError) {
      process.stderr.write(`ddx: ${error.message}\n`);
      return ExitCode.badInput;
    }
    const prefix = error instanceof DdxError ? `${error.code}: ` : '';
    process.stderr.write(`ddx: ${prefix}${(error as Error).message}\n`);
    return ExitCode.internal;
  } finally {
    await deps?.close();
  }
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      meta: { type: 'string' },
      json: { type: 'boolean', default: false },
      status: { type: 'string' },
      limit: { type: 'string' },
      concurrency: { type: 'string' },
      'max-jobs': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      format: { type: 'string' },
      failed: { type: 'boolean', default: false },
      sink: { type: 'string' },
      card: { type: 'string' },
      image: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type Values = ReturnType<typeof parseCommandLine>['values'];

async function dispatch(
  positionals: string[],
  values: Values,
  config: Config,
  deps: ComposedDependencies,
): Promise<number> {
  const [command, ...rest] = positionals;
  switch (command) {
    case 'run':
      return runCommand(rest, values, config, deps);
    case 'batch':
      return batchCommand(rest, values, config, deps);
    case 'results':
      return resultsCommand(rest, values, deps);
    case 'events':
      return eventsCommand(
        rest,
        {
          failed: values.failed,
          json: values.json,
          limit: positiveInteger(values.limit ?? '50', '--limit'),
          sink: values.sink,
        },
        deps.events,
        process.stdout,
      );
    case 'serve':
      return serveCommand(rest, values, config, deps);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function runCommand(
  args: string[],
  values: Values,
  config: Config,
  deps: ComposedDependencies,
): Promise<number> {
  const [imagePath, ...extra] = args;
  if (!imagePath || extra.length > 0) throw new UsageError('run takes exactly one image path');
  const key = uploadKeyFor(config.inputPrefix, basename(imagePath));
  // Like `batch`: without --meta, the metadata file beside the image is used when there is one.
  const metadataPath = values.meta ?? (await metadataFileBeside(imagePath));
  await uploadImage(deps.blobStore, { imagePath, metadataPath, key });
  const { record, reused } = await runInference(
    { source: { key }, requestId: randomUUID(), trigger: 'cli' },
    deps,
  );
  if (values.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else process.stdout.write(`${formatRecordSummary(record, reused)}\n`);
  if (record.status === RecordStatus.failed && record.error) {
    process.stderr.write(`ddx: ${record.error.code} in ${record.error.step}: ${record.error.message}\n`);
  }
  return exitCodeFor(record);
}

async function batchCommand(
  args: string[],
  values: Values,
  config: Config,
  deps: ComposedDependencies,
): Promise<number> {
  const [folder, ...extra] = args;
  if (!folder || extra.length > 0) throw new UsageError('batch takes exactly one folder');
  const concurrency = positiveInteger(values.concurrency ?? '2', '--concurrency');
  const items = await runBatch(folder, deps, {
    concurrency,
    inputPrefix: config.inputPrefix,
    requestId: randomUUID(),
  });
  if (values.json)
    process.stdout.write(
      `${JSON.stringify(
        items.map((item) => item.record ?? { file: item.file, problem: item.problem }),
        null,
        2,
      )}\n`,
    );
  else process.stdout.write(`${formatBatchTable(items)}\n`);
  return worstExitCode(items.map((item) => (item.record ? exitCodeFor(item.record) : ExitCode.internal)));
}

async function resultsCommand(args: string[], values: Values, deps: ComposedDependencies): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'get') {
    const [id, ...extra] = rest;
    if (!id || extra.length > 0) throw new UsageError('results get takes exactly one record id');
    const format = values.format === undefined ? undefined : outputFormat(values.format);
    const record = await deps.resultStore.get(id);
    if (!record) {
      process.stderr.write(`ddx: no record with id ${id}\n`);
      return ExitCode.badInput;
    }
    if (format) return writeRecordOutput(record, format, deps.outputs, process);
    process.stdout.write(
      values.json ? `${JSON.stringify(record, null, 2)}\n` : `${formatRecordSummary(record, false)}\n`,
    );
    return ExitCode.ok;
  }
  if (subcommand === 'list') {
    if (rest.length > 0) throw new UsageError('results list takes no arguments');
    const status = values.status;
    if (status !== undefined && !Object.values(RecordStatus).includes(status as RecordStatus)) {
      throw new UsageError(`--status must be one of ${Object.values(RecordStatus).join(', ')}`);
    }
    const records = await deps.resultStore.list({
      status: status as RecordStatus | undefined,
      limit: positiveInteger(values.limit ?? '50', '--limit'),
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    } else {
      for (const record of records) {
        const top = record.classification?.labels[0];
        const finding = top
          ? `${top.label} ${(top.probability * 100).toFixed(0)}%`
          : (record.error?.code ?? '-');
        process.stdout.write(
          `${record.id}  ${record.createdAt}  ${record.status.padEnd(9)}  ${record.source.key}  ${finding}\n`,
        );
      }
      if (records.length === 0) process.stdout.write('no records\n');
    }
    return ExitCode.ok;
  }
  throw new UsageError('results takes "list" or "get <id>"');
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${option} must be a positive whole number`);
  return value;
}

async function serveCommand(
  args: string[],
  values: Values,
  config: Config,
  deps: ComposedDependencies,
): Promise<number> {
  if (args.length > 0) throw new UsageError('serve takes options only');
  const { startServer } = await import('./server.js');
  const server = await startServer(deps, {
    inputPrefix: config.inputPrefix,
    port: values.port === undefined ? 8000 : portNumber(values.port),
    host: values.host ?? '127.0.0.1',
    maxConcurrentJobs: positiveInteger(values['max-jobs'] ?? '4', '--max-jobs'),
  });
  process.stderr.write(`ddx: serving the HTTP API on ${server.url} (Ctrl-C stops)\n`);
  await stopSignal();
  process.stderr.write('ddx: stopping: finishing the requests in flight\n');
  // The composed dependencies are closed by `main` once the last job is done.
  await server.close();
  return ExitCode.ok;
}

async function serveModelsCommand(args: string[], values: Values, config: Config): Promise<number> {
  if (args.length > 0) throw new UsageError('serve-models takes options only');
  const [{ loadRoutingTable }, { startModelServer }] = await Promise.all([
    import('../clinical/routing-table.js'),
    import('../model-server/model-server.js'),
  ]);
  const table = await loadRoutingTable(config.routesPath);
  const models = routedModelProvider(table, { roboflow: config.roboflow });
  const server = await startModelServer({
    models,
    table,
    port: values.port === undefined ? 8080 : portNumber(values.port),
    host: values.host,
    defaultModel: values.model,
    apiKey: config.roboflow.apiKey || undefined,
    logger: createLogger({ level: config.logLevel === 'error' ? 'info' : config.logLevel }),
  });
  process.stderr.write(
    `ddx: serving ${[...table.models.keys()].join(', ')} on ${server.url} (Ctrl-C stops)\n`,
  );
  await stopSignal();
  await server.close();
  await models.close?.();
  return ExitCode.ok;
}

async function modelsCommand(args: string[], values: Values): Promise<number> {
  const [subcommand, modelPath, ...extra] = args;
  if (subcommand !== 'check' || !modelPath || extra.length > 0) {
    throw new UsageError('models takes "check <model.onnx> [--card card.json] [--image probe.jpg]"');
  }
  const { modelsCheck } = await import('../cli/models-check.js');
  return modelsCheck(modelPath, { card: values.card, image: values.image, json: values.json }, (text) =>
    process.stdout.write(text),
  );
}

/**
 * The first SIGINT or SIGTERM. Both handlers are removed when it comes, so a second Ctrl-C ends
 * the process at once instead of waiting for the requests in flight.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const other of signals) process.off(other, stop);
      resolve(signal);
    };
    for (const signal of signals) process.on(signal, stop);
  });
}

function portNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError('--port must be 0-65535');
  return value;
}
