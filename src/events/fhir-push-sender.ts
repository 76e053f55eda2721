/**
 * Pushes a record to the clinic's FHIR server when it is stored or reviewed: the record's bundle
 * as a `transaction` (each resource PUT by its stable id, so a second push updates rather than
 * duplicates), POSTed to the server's base URL. It is a sink of the outbox like the webhook, so a
 * push is retried with backoff, dead-lettered after its attempts, and never lost. The bundle is
 * built from the record as stored when the push runs (a later review is pushed as it is now), with
 * the patient reference from the identifier store. Failed records are not pushed.
 *
 * @example
 * const sender = createFhirPushSender({ baseUrl, auth: staticBearer(token), resultStore, sources });
 */
import { DependencyError, ServiceErrorCode } from '../errors.js';
import { fhirBundle, fhirTransaction } from '../outputs/fhir-bundle.js';
import { fhirPatient, type OutputSources } from '../outputs/record-output.js';
import type { EventSender, ResultStore } from '../ports.js';
import { errorFromHttpStatus, errorFromNetworkFailure } from '../resilience/http-errors.js';
import { defaultRetryPolicy, type RetryPolicy, withRetry } from '../resilience/retry.js';
import type { AccessTokens } from './smart-backend-auth.js';

export interface FhirPushSettings {
  baseUrl: string;
  /** None: the server takes unauthenticated writes (a test server). */
  auth?: AccessTokens;
  resultStore: Pick<ResultStore, 'get' | 'patientIdentifiers'>;
  sources: Pick<OutputSources, 'links' | 'patientIdSystem'>;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
}

const fhirJson = 'application/fhir+json';
const operation = 'FHIR transaction POST';

export function createFhirPushSender(settings: FhirPushSettings): EventSender {
  const fetchImplementation = settings.fetch ?? fetch;
  const policy = settings.policy ?? defaultRetryPolicy;
  const url = settings.baseUrl.replace(/\/+$/, '');
  return {
    name: 'fhir',
    accepts: (event) => event.data.status !== 'failed',
    async send(event, options) {
      const record = await settings.resultStore.get(event.subject, options);
      if (!record) {
        throw new DependencyError(`${operation}: record ${event.subject} is not in the result store`, {
          code: ServiceErrorCode.storageError,
          retriable: false,
        });
      }
      const patient = fhirPatient(
        await settings.resultStore.patientIdentifiers(record.id, options),
        settings.sources,
      );
      const body = JSON.stringify(
        fhirTransaction(fhirBundle(record, { links: settings.sources.links, patient })),
      );
      let refused = false;
      await withRetry(
        async (signal) => {
          const authorization = await settings.auth?.authorization(signal);
          const response = await fetchImplementation(url, {
            method: 'POST',
            headers: {
              'content-type': fhirJson,
              accept: fhirJson,
              ...(authorization ? { authorization } : {}),
            },
            body,
            signal,
            redirect: 'manual',
          }).catch((error: unknown) => {
            throw errorFromNetworkFailure(operation, error);
          });
          const answer = await response.text().catch(() => '');
          if (response.status === 401 && settings.auth && !refused) {
            // An expired or revoked token: fetch a new one once.
            refused = true;
            settings.auth.invalidate();
            throw new DependencyError(`${operation} answered HTTP 401: fetching a new token`, {
              code: ServiceErrorCode.dependencyUnavailable,
              retriable: true,
            });
          }
          if (!response.ok)
            throw errorFromHttpStatus(
              operation,
              response.status,
              outcomeText(answer),
              response.headers.get('retry-after'),
            );
          checkTransactionResponse(answer);
        },
        {
          policy,
          signal: options?.signal,
          operation,
          toError: (error) => errorFromNetworkFailure(operation, error),
        },
      );
    },
  };
}

/** A 2xx whose entries did not all succeed is a failed transaction (servers should not answer so, some do). */
function checkTransactionResponse(answer: string): void {
  let bundle: { resourceType?: string; type?: string; entry?: { response?: { status?: string } }[] };
  try {
    bundle = JSON.parse(answer);
  } catch {
    throw errorFromHttpStatus(operation, 502, 'the answer is not a FHIR Bundle');
  }
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction-response') {
    throw errorFromHttpStatus(operation, 502, 'the answer is not a transaction-response Bundle');
  }
  const failed = (bundle.entry ?? []).filter((entry) => !/^2\d\d/.test(entry.response?.status ?? ''));
  if (failed.length > 0)
    throw errorFromHttpStatus(operation, 422, `${failed.length} entries were not stored`);
}

/** The diagnostics of an OperationOutcome, else the answer's start. */
function outcomeText(answer: string): string {
  try {
    const outcome = JSON.parse(answer) as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
    const texts = (outcome.issue ?? [])
      .map((issue) => issue.diagnostics ?? issue.details?.text)
      .filter(Boolean);
    if (texts.length > 0) return texts.join('; ');
  } catch {
    // not JSON
  }
  return answer.slice(0, 200);
}
