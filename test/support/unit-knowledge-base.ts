/**
 * A small hand-written knowledge base in the shape of data/knowledge-base.json, for the unit tests
 * of the body-region lookup and the offline recommender.
 */
import type { KnowledgeBase } from '../../src/clinical/knowledge-base.js';

export const smallKnowledgeBase: KnowledgeBase = {
  version: 'test-1',
  description: 'unit-test knowledge base',
  conditions: {
    melanoma: {
      name: 'Cutaneous melanoma',
      summary: 'A malignant melanocytic tumour.',
      urgency: 'urgent',
      icd10cm: ['C43.9'],
      siteSpecificIcd10cm: { face: ['C43.30'], trunk: ['C43.59'], 'upper-limb': ['C43.60'] },
      differentials: [
        { condition: 'Melanocytic nevus (common mole)', icd10cm: ['D22.9'], rationale: 'Benign look-alike.' },
        {
          condition: 'Pigmented basal cell carcinoma',
          icd10cm: ['C44.91'],
          rationale: 'Pigmented BCC mimics melanoma.',
        },
        { condition: 'Seborrheic keratosis', icd10cm: ['L82.1'], rationale: 'Waxy stuck-on lesion.' },
      ],
      followUpTests: [
        { test: 'Dermoscopy', rationale: 'Pattern analysis.' },
        { test: 'Excision biopsy', rationale: 'Histology and Breslow thickness.' },
      ],
      treatmentConsiderations: [
        { consideration: 'Urgent referral', rationale: 'Suspected skin cancer pathway.' },
      ],
      redFlags: [{ flag: 'Bleeding or ulceration', rationale: 'Suggests invasion.' }],
    },
    nevus: {
      name: 'Melanocytic nevus (common mole)',
      summary: 'A benign melanocytic proliferation.',
      urgency: 'routine',
      icd10cm: ['D22.9'],
      siteSpecificIcd10cm: { trunk: ['D22.5'], 'upper-limb': ['D22.60'] },
      differentials: [
        { condition: 'Cutaneous melanoma', icd10cm: ['C43.9'], rationale: 'The lesion not to miss.' },
      ],
      followUpTests: [
        { test: 'Dermoscopy', rationale: 'Confirms a benign pattern.' },
        { test: 'Sequential digital monitoring', rationale: 'Detects change.' },
      ],
      treatmentConsiderations: [{ consideration: 'Reassurance', rationale: 'Benign.' }],
      redFlags: [
        { flag: 'Recent change', rationale: 'Change is the strongest melanoma sign.' },
        { flag: 'Bleeding or ulceration', rationale: 'Not expected in a nevus.' },
      ],
    },
    keratosis: {
      name: 'Seborrheic keratosis',
      summary: 'A benign epidermal growth.',
      urgency: 'routine',
      icd10cm: ['L82.1'],
      siteSpecificIcd10cm: {},
      differentials: [],
      followUpTests: [{ test: 'Dermoscopy', rationale: 'Milia-like cysts.' }],
      treatmentConsiderations: [{ consideration: 'Cryotherapy if irritated', rationale: 'Cosmetic.' }],
      redFlags: [],
    },
  },
  bodySites: {
    face: 'face',
    arm: 'upper-limb',
    forearm: 'upper-limb',
    hand: 'upper-limb',
    'back of the hand': 'upper-limb',
    back: 'trunk',
    'upper back': 'trunk',
    'c.t. scan site': 'other',
    scalp: 'scalp-neck',
  },
};
