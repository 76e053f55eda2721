#!/usr/bin/env node
// Validates data/knowledge-base.json against data/icd10cm-codes.tsv.
// Plain Node.js ESM, no dependencies. Usage: node data/check-data.mjs
// Exits 0 when everything passes, 1 otherwise (errors are listed on stderr).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const KB_PATH = join(here, 'knowledge-base.json');
const TSV_PATH = join(here, 'icd10cm-codes.tsv');

const CODE_RE = /^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$/;
const URGENCIES = new Set(['urgent', 'soon', 'routine']);
const REGIONS = new Set(['face', 'scalp-neck', 'trunk', 'upper-limb', 'lower-limb', 'other']);
const LABELS = [
  'melanocytic-nevus',
  'melanoma',
  'seborrheic-keratosis',
  'basal-cell-carcinoma',
  'vascular-lesion',
  'plaque-psoriasis',
  'urticaria',
  'morbilliform-eruption',
  'petechial-purpuric-eruption',
];
// Codes the project relies on even if the knowledge base does not cite them.
const REQUIRED_CODES = ['D22.9', 'C43.9', 'L82.1', 'C44.91', 'D18.01', 'L40.0', 'L50.9', 'R21', 'R23.3'];
const REQUIRED_BODY_SITES = [
  'back',
  'upper back',
  'lower back',
  'chest',
  'abdomen',
  'trunk',
  'shoulder',
  'arm',
  'upper arm',
  'forearm',
  'elbow',
  'wrist',
  'hand',
  'finger',
  'palm',
  'leg',
  'thigh',
  'knee',
  'shin',
  'calf',
  'ankle',
  'foot',
  'toe',
  'sole',
  'face',
  'forehead',
  'cheek',
  'nose',
  'lip',
  'ear',
  'eyelid',
  'chin',
  'scalp',
  'neck',
  'buttock',
  'groin',
  'genital',
];
const MIN_BODY_SITES = 40;
// Non-billable (header) codes that may deliberately appear in the knowledge base. Empty: all are leaves.
const ALLOWED_NON_BILLABLE_IN_KB = new Set([]);

const errors = [];
const warnings = [];
const err = (msg) => errors.push(msg);

// ---------- code table ----------
function loadTable() {
  let text;
  try {
    text = readFileSync(TSV_PATH, 'utf8');
  } catch (e) {
    err(`cannot read ${TSV_PATH}: ${e.message}`);
    return new Map();
  }
  if (text.includes('\r')) err('icd10cm-codes.tsv: contains CR characters (use LF line endings)');
  if (!text.endsWith('\n')) err('icd10cm-codes.tsv: missing final newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'code\tbillable\tdescription')
    err(`icd10cm-codes.tsv: bad header line ${JSON.stringify(lines[0])}`);
  const table = new Map();
  for (const [i, line] of lines.slice(1).entries()) {
    const where = `icd10cm-codes.tsv line ${i + 2}`;
    const cols = line.split('\t');
    if (cols.length !== 3) {
      err(`${where}: expected 3 tab-separated columns, got ${cols.length}`);
      continue;
    }
    const [code, billable, description] = cols;
    if (!CODE_RE.test(code))
      err(`${where}: code ${JSON.stringify(code)} does not match the ICD-10-CM format`);
    if (billable !== '0' && billable !== '1')
      err(`${where}: billable must be 0 or 1, got ${JSON.stringify(billable)}`);
    if (!description || description.trim() !== description)
      err(`${where}: description empty or has surrounding whitespace`);
    if (table.has(code)) err(`${where}: duplicate code ${code}`);
    table.set(code, { billable: billable === '1', description });
  }
  return table;
}

const dotless = (c) => c.replace('.', '');
const withDot = (d) => (d.length > 3 ? `${d.slice(0, 3)}.${d.slice(3)}` : d);

// Ancestors of a code up to its 3-character category, e.g. C43.59 -> [C43.5, C43].
// A trailing placeholder "X" level (as in T78.3XXA) has no entry of its own in the CMS
// order file unless it is a real subcategory, so missing placeholder levels are skipped.
function ancestors(code) {
  const d = dotless(code);
  const out = [];
  for (let len = d.length - 1; len >= 3; len--)
    out.push({ code: withDot(d.slice(0, len)), placeholder: d[len - 1] === 'X' });
  return out;
}

function checkTable(table) {
  const all = [...table.keys()];
  const children = new Map(all.map((c) => [c, []]));
  for (const code of all) {
    for (const a of ancestors(code)) {
      if (table.has(a.code)) {
        children.get(a.code).push(code);
      } else if (!a.placeholder) {
        err(`icd10cm-codes.tsv: parent ${a.code} of ${code} is missing`);
      }
    }
  }
  for (const [code, { billable }] of table) {
    const kids = children.get(code);
    if (billable && kids.length > 0)
      err(
        `icd10cm-codes.tsv: ${code} is marked billable but has children (${kids.slice(0, 3).join(', ')}...)`,
      );
    if (!billable && kids.length === 0)
      err(`icd10cm-codes.tsv: ${code} is marked non-billable but none of its children is in the table`);
    if (!billable && !kids.some((k) => table.get(k).billable))
      err(`icd10cm-codes.tsv: header ${code} has no billable descendant to replace it with`);
  }
  for (const code of REQUIRED_CODES)
    if (!table.has(code)) err(`icd10cm-codes.tsv: required code ${code} is missing`);
}

// ---------- knowledge base ----------
const isStr = (v) => typeof v === 'string' && v.trim().length > 0;

function checkCodeList(list, where, table, { allowEmpty = false } = {}) {
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0))
    return err(`${where}: must be a non-empty array of ICD-10-CM codes`);
  const seen = new Set();
  for (const code of list) {
    if (typeof code !== 'string' || !CODE_RE.test(code)) {
      err(`${where}: ${JSON.stringify(code)} is not a well-formed ICD-10-CM code`);
      continue;
    }
    if (seen.has(code)) err(`${where}: duplicate code ${code}`);
    seen.add(code);
    const row = table.get(code);
    if (!row) {
      err(`${where}: ${code} is not in icd10cm-codes.tsv`);
      continue;
    }
    if (!row.billable && !ALLOWED_NON_BILLABLE_IN_KB.has(code))
      err(`${where}: ${code} is a non-billable header code (use a billable leaf or allow-list it)`);
  }
}

function checkItems(list, where, min, max, keyField) {
  if (!Array.isArray(list)) return err(`${where}: must be an array`);
  if (list.length < min || list.length > max)
    err(`${where}: expected ${min}-${max} entries, got ${list.length}`);
  for (const [i, item] of list.entries()) {
    if (!item || typeof item !== 'object') {
      err(`${where}[${i}]: must be an object`);
      continue;
    }
    if (!isStr(item[keyField])) err(`${where}[${i}].${keyField}: must be a non-empty string`);
    if (!isStr(item.rationale)) err(`${where}[${i}].rationale: must be a non-empty string`);
  }
}

function checkKb(table) {
  let kb;
  try {
    kb = JSON.parse(readFileSync(KB_PATH, 'utf8'));
  } catch (e) {
    return err(`cannot read or parse ${KB_PATH}: ${e.message}`);
  }
  if (!isStr(kb.version)) err('knowledge-base.json: version must be a non-empty string');
  if (!isStr(kb.description)) err('knowledge-base.json: description must be a non-empty string');
  if (!kb.conditions || typeof kb.conditions !== 'object' || Array.isArray(kb.conditions))
    return err('knowledge-base.json: conditions must be an object');

  for (const label of LABELS)
    if (!(label in kb.conditions)) err(`knowledge-base.json: missing condition ${label}`);
  for (const [label, c] of Object.entries(kb.conditions)) {
    const at = `conditions.${label}`;
    if (!LABELS.includes(label)) warnings.push(`${at}: not a label of the demo classifiers`);
    if (!c || typeof c !== 'object') {
      err(`${at}: must be an object`);
      continue;
    }
    if (!isStr(c.name)) err(`${at}.name: must be a non-empty string`);
    if (!isStr(c.summary)) err(`${at}.summary: must be a non-empty string`);
    if (!URGENCIES.has(c.urgency)) err(`${at}.urgency: must be one of ${[...URGENCIES].join(', ')}`);
    checkCodeList(c.icd10cm, `${at}.icd10cm`, table);

    if (c.siteSpecificIcd10cm !== undefined) {
      const s = c.siteSpecificIcd10cm;
      if (!s || typeof s !== 'object' || Array.isArray(s)) {
        err(`${at}.siteSpecificIcd10cm: must be an object keyed by region`);
      } else {
        const categories = new Set((c.icd10cm || []).map((x) => String(x).slice(0, 3)));
        for (const [region, codes] of Object.entries(s)) {
          if (!REGIONS.has(region))
            err(`${at}.siteSpecificIcd10cm: unknown region ${JSON.stringify(region)}`);
          checkCodeList(codes, `${at}.siteSpecificIcd10cm.${region}`, table);
          for (const code of Array.isArray(codes) ? codes : []) {
            if (typeof code === 'string' && !categories.has(code.slice(0, 3)))
              err(
                `${at}.siteSpecificIcd10cm.${region}: ${code} is not in the same category as the condition's icd10cm codes`,
              );
          }
        }
      }
    }

    checkItems(c.differentials, `${at}.differentials`, 3, 5, 'condition');
    for (const [i, d] of (Array.isArray(c.differentials) ? c.differentials : []).entries()) {
      if (d && typeof d === 'object') checkCodeList(d.icd10cm, `${at}.differentials[${i}].icd10cm`, table);
    }
    checkItems(c.followUpTests, `${at}.followUpTests`, 2, 4, 'test');
    checkItems(c.treatmentConsiderations, `${at}.treatmentConsiderations`, 2, 4, 'consideration');
    checkItems(c.redFlags, `${at}.redFlags`, 1, 4, 'flag');
  }

  const sites = kb.bodySites;
  if (!sites || typeof sites !== 'object' || Array.isArray(sites))
    return err('knowledge-base.json: bodySites must be an object');
  const entries = Object.entries(sites);
  if (entries.length < MIN_BODY_SITES)
    err(`bodySites: expected at least ${MIN_BODY_SITES} entries, got ${entries.length}`);
  for (const [site, region] of entries) {
    if (site !== site.toLowerCase() || site.trim() !== site || site === '')
      err(`bodySites: key ${JSON.stringify(site)} must be lower-case and trimmed`);
    if (!REGIONS.has(region)) err(`bodySites.${site}: unknown region ${JSON.stringify(region)}`);
  }
  for (const site of REQUIRED_BODY_SITES)
    if (!(site in sites)) err(`bodySites: missing ${JSON.stringify(site)}`);
  return kb;
}

const table = loadTable();
checkTable(table);
const kb = checkKb(table);

for (const w of warnings) console.warn(`warning: ${w}`);
if (errors.length > 0) {
  for (const e of errors) console.error(`error: ${e}`);
  console.error(`check-data: ${errors.length} error(s)`);
  process.exit(1);
}
const billable = [...table.values()].filter((r) => r.billable).length;
const conditions = kb ? Object.keys(kb.conditions).length : 0;
const sites = kb ? Object.keys(kb.bodySites).length : 0;
console.log(
  `check-data: OK (${conditions} conditions, ${table.size} codes of which ${billable} billable, ${sites} body sites)`,
);
