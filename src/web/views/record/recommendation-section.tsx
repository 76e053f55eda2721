/** What the recommender said: differentials, follow-up tests, treatment, red flags, uncertainty. */
import type { RecommendationRecord } from '../../../record.js';

/** A titled list of "point: why" items; nothing at all when there are none. */
function ReasonedList(props: { title: string; items: { point: string; rationale: string }[] }) {
  if (props.items.length === 0) return null;
  return (
    <>
      <h3>{props.title}</h3>
      <ul>
        {props.items.map((item) => (
          <li>
            <strong>{item.point}</strong>: {item.rationale}
          </li>
        ))}
      </ul>
    </>
  );
}

export function RecommendationSection({ recommendation }: { recommendation: RecommendationRecord }) {
  return (
    <>
      {recommendation.uncertainty && <p class="notice">{recommendation.uncertainty}</p>}
      <ReasonedList
        title="Differentials"
        items={recommendation.differentials.map((differential) => ({
          point: `${differential.condition} (${differential.likelihood} likelihood${differential.icd10cm.length > 0 ? `; ${differential.icd10cm.join(', ')}` : ''})`,
          rationale: differential.rationale,
        }))}
      />
      <ReasonedList
        title="Follow-up tests"
        items={recommendation.followUpTests.map((item) => ({ point: item.test, rationale: item.rationale }))}
      />
      <ReasonedList
        title="Treatment considerations"
        items={recommendation.treatmentConsiderations.map((item) => ({
          point: item.consideration,
          rationale: item.rationale,
        }))}
      />
      <ReasonedList
        title="Red flags"
        items={recommendation.redFlags.map((item) => ({ point: item.flag, rationale: item.rationale }))}
      />
      <p class="muted">{recommendation.disclaimer}</p>
    </>
  );
}
