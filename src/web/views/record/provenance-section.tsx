/** Which models, prompt and tables made this result: enough to reproduce and to judge it. */
import type { ReportableRecord } from '../../../outputs/reportable-record.js';
import { ModelStatus } from './model-status.js';

export function ProvenanceSection({ record }: { record: ReportableRecord }) {
  const { route, localization, classification, recommendation, billing } = record;
  return (
    <dl class="facts">
      {route && (
        <>
          <dt>Route</dt>
          <dd>
            {route.name}: {route.reason}
          </dd>
        </>
      )}
      {localization && (
        <>
          <dt>Detector</dt>
          <dd data-model={localization.detector.id}>
            {localization.detector.id} {localization.detector.version}:{' '}
            <ModelStatus model={localization.detector} />
          </dd>
        </>
      )}
      {classification && (
        <>
          <dt>Classifier</dt>
          <dd data-model={classification.model.id}>
            {classification.model.id} {classification.model.version}:{' '}
            <ModelStatus model={classification.model} />
          </dd>
        </>
      )}
      {recommendation && (
        <>
          <dt>Recommender</dt>
          <dd>
            {recommendation.provider}, {recommendation.model}
            {recommendation.usage &&
              ` (${recommendation.usage.inputTokens} tokens in, ${recommendation.usage.outputTokens} out)`}
          </dd>
          <dt>Prompt</dt>
          <dd>
            {recommendation.prompt.name} version {recommendation.prompt.version}
            {recommendation.prompt.label && ` (label ${recommendation.prompt.label})`}
            {recommendation.prompt.isFallback &&
              ', the bundled fallback copy (the prompt source did not answer)'}
          </dd>
        </>
      )}
      {billing && (
        <>
          <dt>Code table</dt>
          <dd>{billing.codeTableVersion}</dd>
        </>
      )}
      <dt>Record</dt>
      <dd>
        <code>{record.id}</code>, request <code>{record.requestId}</code>, via {record.trigger}
      </dd>
      {record.inputSha256 && (
        <>
          <dt>Input SHA-256</dt>
          <dd>
            <code>{record.inputSha256}</code>
          </dd>
        </>
      )}
    </dl>
  );
}
