/** Uncertain when the knowledge base has nothing to say about the top label. */
import type { GateFinding } from './gate-finding.js';

export function actionableGate(
  topLabel: string | undefined,
  actionableLabels: ReadonlySet<string>,
): GateFinding | null {
  if (!topLabel || actionableLabels.has(topLabel)) return null;
  return {
    severity: 'uncertain',
    code: 'NOT_ACTIONABLE',
    message: `The knowledge base has no entry for "${topLabel}": no tests or treatments can be suggested for it.`,
  };
}
