/** What the recommender said: differentials, follow-up tests, treatment, red flags, uncertainty. */
import type { RecommendationRecord } from '../../../record.js';

export function RecommendationSection({ recommendation }: { recommendation: RecommendationRecord }) {
  return (
    <>
      {recommendation.uncertainty && <p class="notice">{recommendation.uncertainty}</p>}
      {recommendation.differentials.length > 0 && (
        <>
          <h3>Differentials</h3>
          <ul>
            {recommendation.differentials.map((differential) => (
              <li>
                <strong>{differential.condition}</strong> ({differential.likelihood} likelihood
                {differential.icd10cm.length > 0 ? `; ${differential.icd10cm.join(', ')}` : ''}):{' '}
                {differential.rationale}
              </li>
            ))}
          </ul>
        </>
      )}
      {recommendation.followUpTests.length > 0 && (
        <>
          <h3>Follow-up tests</h3>
          <ul>
            {recommendation.followUpTests.map((item) => (
              <li>
                <strong>{item.test}</strong>: {item.rationale}
              </li>
            ))}
          </ul>
        </>
      )}
      {recommendation.treatmentConsiderations.length > 0 && (
        <>
          <h3>Treatment considerations</h3>
          <ul>
            {recommendation.treatmentConsiderations.map((item) => (
              <li>
                <strong>{item.consideration}</strong>: {item.rationale}
              </li>
            ))}
          </ul>
        </>
      )}
      {recommendation.redFlags.length > 0 && (
        <>
          <h3>Red flags</h3>
          <ul>
            {recommendation.redFlags.map((item) => (
              <li>
                <strong>{item.flag}</strong>: {item.rationale}
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="muted">{recommendation.disclaimer}</p>
    </>
  );
}
