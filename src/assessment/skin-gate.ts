/** Out of scope when too few pixels have a skin colour: a cat, a street, a flag, a radiograph. */
import { type GateFinding, percent } from './gate-finding.js';

export function skinGate(skinFraction: number, minSkinFraction: number): GateFinding | null {
  if (skinFraction >= minSkinFraction) return null;
  return {
    severity: 'out-of-scope',
    code: 'NOT_SKIN',
    message: `Only ${percent(skinFraction)} of the image has a skin colour (at least ${percent(minSkinFraction)} expected): this does not look like a photograph of skin.`,
  };
}
