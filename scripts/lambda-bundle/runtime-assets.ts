/**
 * The files the handler reads at run time, copied into the bundle at the paths the stack puts in
 * its environment (lambdaBundleLayout): the routing table with the model cards it names, the
 * bundled prompts (the Langfuse fallback), the knowledge base and the ICD-10-CM code table.
 *
 * The routing table is checked here, at build time, for what would only fail in Lambda: an ONNX
 * model (the bundle ships no onnxruntime-node), a card outside the table's folder (it would not be
 * copied) or a prompt with no bundled file.
 */
import { cp, mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { lambdaBundleLayout } from '../../infra/lambda-bundle.js';
import { loadModelCard } from '../../src/models/model-card.js';

/** Only what the bundle needs to know; the handler validates the whole table when it starts. */
const routingTableShape = z.object({
  models: z.record(z.string(), z.looseObject({ kind: z.string(), card: z.string().optional() })),
  routes: z.array(z.looseObject({ prompt: z.string() })).min(1),
});

export interface RuntimeAssetSources {
  routingTable: string;
  promptsDirectory: string;
  knowledgeBase: string;
  icd10cmTable: string;
  /** The assessment's thresholds (models/assessment.json). */
  assessmentThresholds: string;
}

export class RuntimeAssetError extends Error {
  override name = 'RuntimeAssetError';
}

/** Copies the run-time files into `bundleDirectory`; returns the bundle paths written. */
export async function copyRuntimeAssets(
  sources: RuntimeAssetSources,
  bundleDirectory: string,
): Promise<string[]> {
  const tableText = await readFile(sources.routingTable, 'utf8');
  // JSON is YAML too, so one parser reads either form of the table.
  const parsed = routingTableShape.safeParse(parseYaml(tableText));
  if (!parsed.success) {
    throw new RuntimeAssetError(
      `invalid routing table ${sources.routingTable}:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const tableDirectory = dirname(resolve(sources.routingTable));
  const bundleModelsDirectory = join(bundleDirectory, dirname(lambdaBundleLayout.routingTable));
  const written: string[] = [];
  const copyInto = async (source: string, bundlePath: string) => {
    await mkdir(dirname(join(bundleDirectory, bundlePath)), { recursive: true });
    await cp(source, join(bundleDirectory, bundlePath), { recursive: true });
    written.push(bundlePath);
  };

  for (const [id, model] of Object.entries(parsed.data.models)) {
    if (model.kind === 'onnx') {
      throw new RuntimeAssetError(
        `routing table ${sources.routingTable}: model "${id}" is an ONNX model, but the Lambda bundle ships no onnxruntime-node (288 MB, over Lambda's limit): route it to a SageMaker endpoint or a Roboflow model`,
      );
    }
    if (model.card === undefined) {
      throw new RuntimeAssetError(`routing table ${sources.routingTable}: model "${id}" has no card`);
    }
    const cardPath = resolve(tableDirectory, model.card);
    const inTable = relative(tableDirectory, cardPath);
    if (inTable.startsWith('..') || isAbsolute(inTable)) {
      throw new RuntimeAssetError(
        `routing table ${sources.routingTable}: the card of model "${id}" (${model.card}) is outside the table's folder, so it cannot be bundled beside it`,
      );
    }
    // Fails here, with the card's own error, rather than when the first upload arrives.
    await loadModelCard(cardPath);
    await copyInto(cardPath, relative(bundleDirectory, join(bundleModelsDirectory, inTable)));
  }

  for (const route of parsed.data.routes) {
    const promptFile = join(sources.promptsDirectory, `${route.prompt}.json`);
    try {
      await readFile(promptFile);
    } catch {
      throw new RuntimeAssetError(`route prompt "${route.prompt}" has no bundled file (${promptFile})`);
    }
  }

  await copyInto(sources.routingTable, lambdaBundleLayout.routingTable);
  await copyInto(sources.promptsDirectory, lambdaBundleLayout.promptsDirectory);
  await copyInto(sources.knowledgeBase, lambdaBundleLayout.knowledgeBase);
  await copyInto(sources.icd10cmTable, lambdaBundleLayout.icd10cmTable);
  await copyInto(sources.assessmentThresholds, lambdaBundleLayout.assessmentThresholds);
  return written;
}
