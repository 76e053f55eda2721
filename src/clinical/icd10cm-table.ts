/**
 * The project's ICD-10-CM code table (data/icd10cm-codes.tsv, from the CMS code files). Billing
 * suggestions are only ever made from codes found here.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '../errors.js';

export interface Icd10CmCode {
  code: string;
  billable: boolean;
  description: string;
}

export interface Icd10CmTable {
  /** The file name and a content digest, so a record names the exact table it was checked against. */
  version: string;
  lookup(code: string): Icd10CmCode | undefined;
  /** Codes one level below `code` (C43.5 -> C43.51, C43.52, C43.59). */
  children(code: string): Icd10CmCode[];
}

const codeFormat = /^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$/;

/** Upper-cases and inserts the dot after the category (`c4359` -> `C43.59`); null if malformed. */
export function normaliseIcd10CmCode(input: string): string | null {
  const compact = input.trim().toUpperCase().replace('.', '');
  const code = compact.length > 3 ? `${compact.slice(0, 3)}.${compact.slice(3)}` : compact;
  return codeFormat.test(code) ? code : null;
}

export function parseIcd10CmTable(text: string, version: string): Icd10CmTable {
  const codes = new Map<string, Icd10CmCode>();
  const lines = text
    .split(/\r?\n/)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
  const [header, ...rows] = lines;
  if (header?.line.split('\t').join(',') !== 'code,billable,description') {
    throw new ConfigurationError(
      'ICD-10-CM table must start with the header "code<TAB>billable<TAB>description"',
    );
  }
  for (const { line, number } of rows) {
    const [code = '', billable, description = ''] = line.split('\t');
    if (normaliseIcd10CmCode(code) !== code || (billable !== '0' && billable !== '1') || !description) {
      throw new ConfigurationError(`ICD-10-CM table line ${number} is malformed`);
    }
    codes.set(code, { code, billable: billable === '1', description });
  }
  const childrenOf = new Map<string, Icd10CmCode[]>();
  for (const entry of codes.values()) {
    const parent = parentCode(entry.code);
    if (parent) childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), entry]);
  }
  return {
    version,
    lookup: (code) => codes.get(code),
    children: (code) => childrenOf.get(code) ?? [],
  };
}

function parentCode(code: string): string | undefined {
  if (code.length <= 3) return undefined;
  const parent = code.slice(0, -1);
  return parent.endsWith('.') ? parent.slice(0, -1) : parent;
}

export async function loadIcd10CmTable(path: string): Promise<Icd10CmTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read ICD-10-CM table ${path}: ${(error as Error).message}`, error);
  }
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return parseIcd10CmTable(text, `icd10cm-codes.tsv@${digest}`);
}
