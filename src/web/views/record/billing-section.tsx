/** ICD-10-CM (and CPT, with a mapping) suggestions with descriptions, and what was dropped and why. */
import type { Billing } from '../../../record.js';
import { TableHead } from '../table-head.js';

export function BillingSection({ billing }: { billing: Billing }) {
  return (
    <>
      {billing.suggestions.length === 0 ? (
        <p>No code is suggested.</p>
      ) : (
        <table class="codes">
          <TableHead columns={['Code', 'Description', 'Why']} />
          <tbody>
            {billing.suggestions.map((suggestion) => (
              <tr data-code={suggestion.code}>
                <td>
                  <code>{suggestion.code}</code> <span class="muted">{suggestion.system}</span>
                  {!suggestion.billable && (
                    <div class="muted">not billable (a category, not a leaf code)</div>
                  )}
                </td>
                <td>{suggestion.description}</td>
                <td>
                  {suggestion.reason}
                  <div class="muted">from {suggestion.sources.join(', ')}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {billing.dropped.length > 0 && (
        <>
          <h3>Dropped</h3>
          <ul class="dropped">
            {billing.dropped.map((dropped) => (
              <li data-dropped={dropped.code}>
                <code>{dropped.code}</code> from {dropped.source}: {dropped.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <p class="muted">
        Checked against {billing.codeTableVersion}.{' '}
        {billing.cptMappingVersion
          ? `CPT from ${billing.cptMappingVersion}.`
          : 'No CPT mapping is configured, so no CPT code is suggested.'}
      </p>
    </>
  );
}
