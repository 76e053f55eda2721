/** The de-identified clinical context the models were given (identifiers are never in a record). */
import type { ReportableRecord } from '../../../outputs/reportable-record.js';
import { FactList } from '../fact-list.js';

type RecordedContext = NonNullable<ReportableRecord['context']>;

export function ClinicalContextFacts({ context }: { context: RecordedContext }) {
  // The fields dropped or kept apart, by code (never their text).
  const warnings = context.warnings ?? [];
  return (
    <FactList
      facts={[
        ['Extent', context.extent],
        ['Body site', context.bodySite ?? 'not given'],
        ['Age', context.age ?? 'not given'],
        ['Sex', context.sex ?? 'not given'],
        ['Specialty', context.specialty ?? 'not given'],
        ['Duration', context.durationDays === null ? 'not given' : `${context.durationDays} days`],
        ['Image type', context.imageType ?? 'not given'],
        ['Notes', context.notesProvided ? 'given (scrubbed of identifiers; not stored)' : 'none'],
        warnings.length > 0 && [
          'Left out',
          <>
            {warnings.map((code, index) => (
              <>
                {index > 0 && ', '}
                <code>{code}</code>
              </>
            ))}
            <div class="muted">fields dropped or kept apart; what they said is not stored</div>
          </>,
        ],
      ]}
    />
  );
}
