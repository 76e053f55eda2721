/**
 * The step timeline from `timings`: each step's duration as a bar against the total, sub-steps
 * (`localize.inference`) under their step. Durations, not start times: some steps overlap (the
 * image download runs beside the context), so the bars may add up to more than the total.
 */
import { formatDuration } from '../view-format.js';

export function StepTimeline({ timings }: { timings: Record<string, number> }) {
  const total = timings.total;
  const steps = Object.entries(timings).filter(([name]) => name !== 'total');
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
