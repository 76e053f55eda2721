/** Which models, prompt and tables made this result: enough to reproduce and to judge it. */
import type { ReportableRecord } from '../../../outputs/reportable-record.js';
import { FactList } from '../fact-list.js';
import { ModelStatus } from './model-status.js';

export function ProvenanceSection({ record }: { record: ReportableRecord }) {
  const { route, localization, classification, recommendation, billing } = record;
  const prompt = recommendation?.prompt;
  return (
    <FactList
      facts={[
        route && ['Route', `${route.name}: ${route.reason}`],
        localization && [
          'Detector',
          <>
            {localization.detector.id} {localization.detector.version}:{' '}
            <ModelStatus model={localization.detector} />
          </>,
        ],
        classification && [
          'Classifier',
          <>
            {classification.model.id} {classification.model.version}:{' '}
            <ModelStatus model={classification.model} />
          </>,
        ],
        recommendation && [
          'Recommender',
          `${recommendation.provider}, ${recommendation.model}${recommendation.usage ? ` (${recommendation.usage.inputTokens} tokens in, ${recommendation.usage.outputTokens} out)` : ''}`,
        ],
        prompt && [
          'Prompt',
          `${prompt.name} version ${prompt.version}${prompt.label ? ` (label ${prompt.label})` : ''}${prompt.isFallback ? ', the bundled fallback copy (the prompt source did not answer)' : ''}`,
        ],
        billing && ['Code table', billing.codeTableVersion],
        [
          'Record',
          <>
            <code>{record.id}</code>, request <code>{record.requestId}</code>, via {record.trigger}
          </>,
        ],
        record.inputSha256 !== null && ['Input SHA-256', <code>{record.inputSha256}</code>],
      ]}
    />
  );
}
