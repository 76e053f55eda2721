/** Out of scope when the image is too blurred to show a lesion's border and structures. */
import { decimal, type GateFinding } from './gate-finding.js';

export function blurGate(laplacianVariance: number, minLaplacianVariance: number): GateFinding | null {
  if (laplacianVariance >= minLaplacianVariance) return null;
  return {
    severity: 'out-of-scope',
    code: 'BLURRED',
    message: `The image is blurred (variance of the Laplacian ${decimal(laplacianVariance)}, at least ${decimal(minLaplacianVariance)} expected): retake it in focus.`,
  };
}
