/**
 * The step timeline from `timings`: each step's duration as a bar against the total, sub-steps
 * (`localize.inference`) under their step. Steps come in the order the record lists them (the
 * order they finished). Durations, not start times: some steps overlap (the image download runs
 * beside the context), so the bars may add up to more than the total.
 */
import { formatDuration } from '../view-format.js';

/** Steps in the record's order, each followed by its sub-steps; sub-steps of no listed step last. */
export function orderedSteps(timings: Record<string, number>): [string, number][] {
  const entries = Object.entries(timings).filter(([name]) => name !== 'total');
  const parents = entries.filter(([name]) => !name.includes('.'));
  const parentNames = new Set(parents.map(([name]) => name));
  const subStepsOf = (parent: string) => entries.filter(([name]) => name.startsWith(`${parent}.`));
  const orphans = entries.filter(
    ([name]) => name.includes('.') && !parentNames.has(name.split('.')[0] ?? ''),
  );
  return [...parents.flatMap((parent) => [parent, ...subStepsOf(parent[0])]), ...orphans];
}

export function StepTimeline({ timings }: { timings: Record<string, number> }) {
  const total = timings.total;
  const steps = orderedSteps(timings);
  const scale = total ?? Math.max(0, ...steps.map(([, ms]) => ms));
  if (steps.length === 0 && total === undefined) return <p class="muted">No timings were recorded.</p>;
  return (
    <ol class="timeline">
      {steps.map(([name, ms]) => {
        const share = scale > 0 ? Math.min(100, (ms / scale) * 100) : 0;
        return (
          <li class={name.includes('.') ? 'sub' : 'step'} data-step={name}>
            <span class="step">{name}</span>
            <div class="bar" role="presentation">
              <div class="fill" style={`width:${share.toFixed(1)}%`} />
            </div>
            <span class="ms">{formatDuration(ms)}</span>
          </li>
        );
      })}
      {total !== undefined && (
        <li class="step" data-step="total">
          <strong class="step">total</strong>
          <span />
          <strong class="ms">{formatDuration(total)}</strong>
        </li>
      )}
    </ol>
  );
}
