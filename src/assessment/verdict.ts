/**
 * The verdict from the gates' findings: out of scope when any gate says the input is not what the
 * models were made for, uncertain when any says the answer is weak, confident only when none
 * holds. Out of scope and uncertain answers say what to do next.
 */
import type { Assessment, Verdict } from '../record.js';
import type { GateFinding } from './gate-finding.js';

const retakeCodes = new Set(['BLURRED', 'OVEREXPOSED', 'UNDEREXPOSED', 'CROP_TOO_SMALL', 'NO_LESION_FOUND']);

export function verdictOf(findings: readonly GateFinding[], scores: Record<string, number>): Assessment {
  const outOfScope = findings.some((finding) => finding.severity === 'out-of-scope');
  const verdict: Verdict = outOfScope ? 'out-of-scope' : findings.length > 0 ? 'uncertain' : 'confident';
  const reasons = findings.map(({ code, message }) => ({ code, message }));
  const action = actionFor(verdict, findings);
  return { verdict, reasons, scores, ...(action && { action }) };
}

function actionFor(verdict: Verdict, findings: readonly GateFinding[]): string | null {
  if (verdict === 'confident') return null;
  const retake = findings.some((finding) => retakeCodes.has(finding.code));
  if (verdict === 'out-of-scope') {
    // Not skin, or imaging of another specialty: a better photograph of the same thing will not help.
    const wrongSubject = findings.some(
      (finding) => finding.severity === 'out-of-scope' && !retakeCodes.has(finding.code),
    );
    return !wrongSubject
      ? 'No diagnosis is given: retake the photograph (in focus, evenly lit, the lesion filling a good part of the frame), or refer for an in-person examination.'
      : 'No diagnosis is given: the models were not made for this image. Refer to the appropriate specialty, or upload a photograph of the skin concerned.';
  }
  return retake
    ? 'Treat the findings as weak evidence: retake the photograph, and examine the patient or refer before acting on them.'
    : 'Treat the findings as weak evidence: examine the patient or refer (dermoscopy, biopsy where indicated) before acting on them.';
}
