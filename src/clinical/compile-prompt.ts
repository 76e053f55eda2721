/**
 * Turns a prompt in Langfuse's shape into chat messages for an LLM recommender, and builds the
 * three variables the recommendation prompt uses from a request. Substitution is one pass over the
 * template, so a value that happens to contain `{{findings}}` is never expanded again.
 */

import type { ChatMessage, Prompt, RecommendationRequest } from '../domain.js';
import { ConfigurationError } from '../errors.js';

export type PromptVariables = Readonly<Record<string, string>>;

/** Langfuse's variable syntax: `{{name}}`, spaces inside the braces allowed. */
const variablePattern = /\{\{\s*(\w+)\s*\}\}/g;

/**
 * Fills `{{name}}` placeholders; a text prompt becomes one user message.
 *
 * @example
 * compilePrompt(prompt, { findings, context, notes }); // [{ role: 'system', ... }, { role: 'user', ... }]
 */
export function compilePrompt(prompt: Prompt, variables: PromptVariables): ChatMessage[] {
  return templateMessages(prompt).map((message) => ({
    role: message.role,
    content: message.content.replace(variablePattern, (_placeholder, name: string) => {
      const value = variables[name];
      if (value === undefined) {
        throw new ConfigurationError(
          `prompt ${prompt.name} v${prompt.version} uses {{${name}}}, which is not one of: ${Object.keys(variables).join(', ')}`,
        );
      }
      return value;
    }),
  }));
}

function templateMessages(prompt: Prompt): ChatMessage[] {
  if (prompt.type === 'text' && typeof prompt.prompt === 'string') {
    return [{ role: 'user', content: prompt.prompt }];
  }
  if (prompt.type === 'chat' && Array.isArray(prompt.prompt)) return prompt.prompt;
  throw new ConfigurationError(`prompt ${prompt.name} v${prompt.version} is typed ${prompt.type} but is not`);
}

// ---------------------------------------------------------------------------------------------
// The recommendation prompt

export const notesDelimiter = { open: '<clinical_notes>', close: '</clinical_notes>' } as const;

/**
 * The recommendation prompt compiled for one request. Refuses a prompt (for example an edited
 * Langfuse version) that would put the free-text notes anywhere but inside `<clinical_notes>`.
 */
export function compileRecommendationPrompt(request: RecommendationRequest): ChatMessage[] {
  for (const message of templateMessages(request.prompt)) {
    if (!notesStayDelimited(message.content)) {
      throw new ConfigurationError(
        `prompt ${request.prompt.name} v${request.prompt.version} uses {{notes}} outside ${notesDelimiter.open} ... ${notesDelimiter.close}`,
      );
    }
  }
  return compilePrompt(request.prompt, promptVariables(request));
}

function notesStayDelimited(template: string): boolean {
  for (const match of template.matchAll(variablePattern)) {
    if (match[1] !== 'notes') continue;
    const before = template.slice(0, match.index);
    const after = template.slice(match.index + match[0].length);
    const opened = before.lastIndexOf(notesDelimiter.open) > before.lastIndexOf(notesDelimiter.close);
    const closedAfter = after.includes(notesDelimiter.close);
    if (!opened || !closedAfter) return false;
  }
  return true;
}

/** `findings`, `context` and `notes` for the recommendation prompt: de-identified data only. */
export function promptVariables(request: RecommendationRequest): PromptVariables {
  const { findings, context } = request;
  const summary = {
    classifier: `${findings.classifier.id} ${findings.classifier.version}`,
    input: findings.input === 'crop' ? 'crop around the detected lesion' : 'whole image',
    lesionFound: findings.lesionFound === null ? 'not checked' : findings.lesionFound ? 'yes' : 'no',
    rankedLabels: findings.labels.map(({ label, probability }) => ({
      label,
      probability: Math.round(probability * 10_000) / 10_000,
    })),
  };
  // Listed field by field, so nothing added to the context object later leaks to a model unseen.
  const deidentified = {
    extent: context.extent,
    bodySite: context.bodySite,
    age: context.age,
    sex: context.sex,
    specialty: context.specialty,
    durationDays: context.durationDays,
    imageType: context.imageType,
  };
  const notes = request.notes?.trim();
  return {
    // Body site and the like come from uploader metadata: escaped like the notes, so no field can
    // open or close a delimited section of the prompt.
    findings: escapeMarkup(JSON.stringify(summary, null, 2)),
    context: escapeMarkup(JSON.stringify(deidentified, null, 2)),
    notes: notes ? escapeMarkup(notes) : 'none',
  };
}

/** `&`, `<` and `>` as entities: text that looks like a tag can no longer act as one. */
export function escapeMarkup(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
