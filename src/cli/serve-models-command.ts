/**
 * `ddx serve-models`: the routing table's local models behind the SageMaker and Roboflow wire
 * contracts (model-server/), optionally under the names a deployed routing table calls them by.
 */
import { createLogger } from '../adapters/logger/json-lines.js';
import { routedModelProvider } from '../compose.js';
import type { Command } from './command.js';
import { ExitCode } from './exit-code.js';
import { stopSignal } from './stop-signal.js';

export const serveModelsCommand: Command = {
  name: 'serve-models',
  summary: 'serve the routed ONNX models over the SageMaker, Roboflow and KServe APIs',
  options: {
    port: {
      type: 'string',
      value: 'N',
      default: '8080',
      description: "the port (SageMaker's container port); 0 picks a free one",
    },
    host: {
      type: 'string',
      value: 'H',
      description: 'the interface to listen on (default: every interface, as a SageMaker container must)',
    },
    model: {
      type: 'string',
      value: 'ID',
      description:
        'the model POST /invocations runs when a request names none (default: the only model, if one)',
    },
    'names-from': {
      type: 'string',
      value: 'routes.yaml',
      description:
        'a deployed routing table (models/routes.lambda.yaml): its models also answer under its SageMaker endpoint, Roboflow project and KServe model names',
    },
  },
  description: [
    'Serves the models of DDX_ROUTES (models/routes.yaml by default) on:',
    '  GET /ping, POST /invocations          the SageMaker container contract',
    '  POST /endpoints/<name>/invocations    the SageMaker runtime API',
    '                                        (AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME)',
    "  POST /<project>/<version>             Roboflow's detect API (ROBOFLOW_API_URL)",
    '  GET|POST /v2/...                      the KServe / Triton v2 protocol',
    'With --names-from, a pipeline configured with that table runs unchanged',
    'against this server (docs/deployment.md).',
  ].join('\n'),
  examples: [
    'ddx serve-models --port 8080 --names-from models/routes.lambda.yaml',
    'ddx serve-models --model lesion-classifier   # as a single-model container',
  ],
  async run({ options, config, err }) {
    const { routesPath, roboflow, logLevel } = config();
    const [{ loadRoutingTable }, { startModelServer }, { remoteModelNames }] = await Promise.all([
      import('../clinical/routing-table.js'),
      import('../model-server/model-server.js'),
      import('../model-server/remote-model-names.js'),
    ]);
    const table = await loadRoutingTable(routesPath);
    const namesFrom = options.text('names-from');
    const otherNames = namesFrom ? remoteModelNames(await loadRoutingTable(namesFrom), table) : undefined;
    const port = options.wholeNumber('port', { min: 0, max: 65_535 }) ?? 8080;
    const models = routedModelProvider(table, { roboflow });
    const logger = createLogger({ level: logLevel === 'error' ? 'info' : logLevel });
    const server = await startModelServer({
      models,
      table,
      port,
      host: options.text('host'),
      defaultModel: options.text('model'),
      apiKey: roboflow.apiKey || undefined,
      otherNames,
      logger,
    });
    const names = [...table.models.keys()].map((id) => {
      const aliases = [...(otherNames ?? [])].filter(([, target]) => target === id).map(([name]) => name);
      return aliases.length > 0 ? `${id} (as ${aliases.join(', ')})` : id;
    });
    err.write(`ddx: serving ${names.join(', ')} on ${server.url} (Ctrl-C stops)\n`);
    await stopSignal();
    await server.close();
    await models.close?.();
    return ExitCode.ok;
  },
};
