/** The recommendations (differentials, tests, treatment, red flags) and the code suggestions. */
import { heading, type Layout, list, paragraph } from './layout.js';

export function drawRecommendations(layout: Layout): void {
  const { record } = layout;
  const recommendation = record.recommendation;
  if (recommendation) {
    heading(layout, 'Recommendations');
    list(
      layout,
      'Differential diagnoses',
      recommendation.differentials.map(
        (differential) => `${differential.condition} [${differential.likelihood}]: ${differential.rationale}`,
      ),
    );
    list(
      layout,
      'Follow-up tests',
      recommendation.followUpTests.map((test) => `${test.test}: ${test.rationale}`),
    );
    list(
      layout,
      'Treatment considerations',
      recommendation.treatmentConsiderations.map((item) => `${item.consideration}: ${item.rationale}`),
    );
    list(
      layout,
      'Red flags (urgent referral)',
      recommendation.redFlags.map((flag) => `${flag.flag}: ${flag.rationale}`),
    );
    if (recommendation.uncertainty)
      paragraph(layout, `Uncertainty: ${recommendation.uncertainty}`, { muted: true });
  }
  const billing = record.billing;
  if (billing && billing.suggestions.length > 0) {
    heading(layout, 'Code suggestions (to check, not billing advice)');
    list(
      layout,
      `Checked against ${billing.codeTableVersion}`,
      billing.suggestions.map(
        (suggestion) =>
          `${suggestion.system} ${suggestion.code} ${suggestion.description}${suggestion.billable ? '' : ' (not billable)'} [${suggestion.sources.join(', ')}]`,
      ),
    );
    if (billing.dropped.length > 0) {
      paragraph(
        layout,
        `${billing.dropped.length} proposed code(s) were not in the code table and were dropped.`,
        {
          muted: true,
        },
      );
    }
  }
}
