/**
 * What one gate of the assessment reports: a reason, and how much it weighs. `out-of-scope`
 * means the input is not what the models were made for (no answer is shown as one); `uncertain`
 * means the input fits but the answer is weak.
 */
export type GateSeverity = 'out-of-scope' | 'uncertain';

export interface GateFinding {
  severity: GateSeverity;
  /** Stable, upper case: NOT_SKIN, BLURRED, LOW_PROBABILITY... */
  code: string;
  /** One sentence with the measured value and the threshold it failed. */
  message: string;
}

export const percent = (value: number) => `${Math.round(value * 100)}%`;
export const decimal = (value: number) => (Math.round(value * 100) / 100).toString();
