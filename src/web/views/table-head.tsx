/** A table's header row from its column names. */
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th>{column}</th>
        ))}
      </tr>
    </thead>
  );
}
