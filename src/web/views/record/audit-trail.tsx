/** The record's audit log, oldest first as stored: who changed what, when, from what to what. */
import type { AuditEntryView } from '../../view-props.js';
import { TableHead } from '../table-head.js';
import { formatTime } from '../view-format.js';

/** A review object's state in a word; anything else (null: nothing before) as "none". */
function stateOf(value: unknown): string {
  if (value && typeof value === 'object' && 'state' in value && typeof value.state === 'string') {
    return value.state;
  }
  return 'none';
}

export function AuditTrail({ entries }: { entries: AuditEntryView[] }) {
  if (entries.length === 0) return <p class="muted">No changes have been made to this record.</p>;
  return (
    <table class="audit">
      <TableHead columns={['When', 'Who', 'What', 'Review state']} />
      <tbody>
        {entries.map((entry) => (
          <tr data-audit-action={entry.action}>
            <td>{formatTime(entry.at)}</td>
            <td>{entry.actor}</td>
            <td>{entry.action}</td>
            <td>
              {stateOf(entry.before)} → {stateOf(entry.after)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
