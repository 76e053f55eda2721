/** A definition list of named facts; a fact left out (null, false) is not shown at all. */
import type { Child } from 'hono/jsx';

export type Fact = [name: string, value: Child];

export function FactList({ facts }: { facts: (Fact | null | false | undefined)[] }) {
  return (
    <dl class="facts">
      {facts.map((fact) =>
        fact ? (
          <>
            <dt>{fact[0]}</dt>
            <dd>{fact[1]}</dd>
          </>
        ) : null,
      )}
    </dl>
  );
}
