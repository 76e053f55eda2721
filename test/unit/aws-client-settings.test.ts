/**
 * An AWS client missing a region or credentials fails before it sends anything: that is the
 * configuration's to fix (INVALID_CONFIGURATION, not retried), not a dependency that is down, and
 * the record it leaves is replaced by the next run once the setting is there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsError, s3Errors, sageMakerRuntimeErrors } from '../../src/adapters/shared/aws/aws-errors.js';
import { type ErrorCode, InputErrorCode, ServiceErrorCode } from '../../src/errors.js';
import { isFinal } from '../../src/record.js';
import { sampleRecord } from '../support/records.js';

/** What the SDK throws, as its region resolver and credential chain build them. */
const regionMissing = new Error('Region is missing');
const credentialsMissing = Object.assign(new Error('Could not load credentials from any providers'), {
  name: 'CredentialsProviderError',
  tryNextLink: false,
});

describe('AWS client settings', () => {
  it('a missing region is INVALID_CONFIGURATION, not retriable, for every service', () => {
    for (const table of [sageMakerRuntimeErrors, s3Errors]) {
      const error = awsError(table, regionMissing, 'SageMaker InvokeEndpoint', 'ddx-lesion-detector');
      assert.equal(error.code, ServiceErrorCode.invalidConfiguration);
      assert.equal(error.retriable, false);
      assert.match(error.message, /ddx-lesion-detector: no AWS region is set: set AWS_REGION/);
      assert.equal(error.cause, regionMissing);
    }
  });

  it('no credentials anywhere in the chain is INVALID_CONFIGURATION too', () => {
    const error = awsError(sageMakerRuntimeErrors, credentialsMissing, 'SageMaker InvokeEndpoint');
    assert.equal(error.code, ServiceErrorCode.invalidConfiguration);
    assert.equal(error.retriable, false);
  });

  it('a network failure stays a retriable dependency failure', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = awsError(sageMakerRuntimeErrors, reset, 'SageMaker InvokeEndpoint');
    assert.equal(error.code, ServiceErrorCode.dependencyUnavailable);
    assert.equal(error.retriable, true);
  });

  it('a record failed by the configuration is not final: the next run replaces it', () => {
    const failed = (code: ErrorCode, retriable: boolean) =>
      sampleRecord({ status: 'failed', error: { code, step: 'configure', message: 'x', retriable } });
    assert.equal(isFinal(failed(ServiceErrorCode.invalidConfiguration, false)), false);
    assert.equal(isFinal(failed(InputErrorCode.corruptImage, false)), true);
    assert.equal(isFinal(failed(ServiceErrorCode.dependencyUnavailable, true)), false);
  });
});
