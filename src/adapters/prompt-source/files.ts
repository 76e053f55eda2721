/**
 * PromptSource on prompt files bundled with the project (`prompts/<name>.json`), in the shape of
 * a Langfuse prompt, so the same files serve as the Langfuse fallback.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Prompt } from '../../domain.js';
import { ConfigurationError } from '../../errors.js';
import type { PromptSource } from '../../ports.js';
import { readValidatedFile } from '../../read-validated-file.js';

const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

export const promptFileSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string().min(1),
    version: z.number().int().positive(),
    type: z.literal('text'),
    prompt: z.string().min(1),
    config: z.record(z.string(), z.unknown()).default({}),
    labels: z.array(z.string()).default([]),
  }),
  z.object({
    name: z.string().min(1),
    version: z.number().int().positive(),
    type: z.literal('chat'),
    prompt: z.array(chatMessageSchema).min(1),
    config: z.record(z.string(), z.unknown()).default({}),
    labels: z.array(z.string()).default([]),
  }),
]);

/** Prompt names this project accepts from any source: no paths, no surprises in URLs. */
export function assertPromptName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new ConfigurationError(`invalid prompt name "${name}"`);
}

export interface FilePromptSourceSettings {
  directory: string;
}

export function createFilePromptSource(settings: FilePromptSourceSettings): PromptSource {
  const cache = new Map<string, Promise<Prompt>>();

  async function readPrompt(name: string): Promise<Prompt> {
    assertPromptName(name);
    const path = join(settings.directory, `${name}.json`);
    const prompt = await readValidatedFile(path, promptFileSchema, 'prompt');
    if (prompt.name !== name) {
      throw new ConfigurationError(`prompt ${path} is named "${prompt.name}", expected "${name}"`);
    }
    return { ...prompt, isFallback: false };
  }

  return {
    name: 'files',
    get(name) {
      let prompt = cache.get(name);
      if (!prompt) {
        prompt = readPrompt(name);
        // A failed read is not cached, so fixing the file fixes the next job.
        prompt.catch(() => cache.delete(name));
        cache.set(name, prompt);
      }
      return prompt;
    },
  };
}
