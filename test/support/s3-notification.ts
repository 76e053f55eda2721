/** One S3 event notification record, shaped as S3 sends it (event version 2.1). */
export function s3NotificationRecord(object: {
  bucket: string;
  /** As S3 sends it: URL-encoded, spaces as `+`. */
  key: string;
  size: number;
  eTag: string;
  sourceIPAddress?: string;
}) {
  const { bucket, key, size, eTag, sourceIPAddress = '203.0.113.9' } = object;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: '2026-11-28T12:00:00.000Z',
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
    requestParameters: { sourceIPAddress },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'uploads',
      bucket: {
        name: bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${bucket}`,
      },
      object: { key, size, eTag, sequencer: '0055AED6DCD90281E5' },
    },
  };
}
