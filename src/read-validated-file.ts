/**
 * Reads a file the service starts from (a model card, the routing table, the knowledge base, a
 * prompt, a CPT mapping) and validates it with its schema. Any problem stops start-up with a
 * message that names the file and what is wrong in it. (The configuration itself, the environment,
 * is config.ts.)
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';

export async function readValidatedFile<Schema extends z.ZodType>(
  path: string,
  schema: Schema,
  what: string,
  parse: (text: string) => unknown = JSON.parse,
): Promise<z.output<Schema>> {
  let raw: unknown;
  try {
    raw = parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`cannot read ${what} ${path}: ${(error as Error).message}`, error);
  }
  return validateFileContent(raw, schema, what, path);
}

/** Validates what was read (and maybe completed, as ONNX model cards are) with its schema. */
export function validateFileContent<Schema extends z.ZodType>(
  raw: unknown,
  schema: Schema,
  what: string,
  path: string,
): z.output<Schema> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigurationError(`invalid ${what} ${path}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
