/**
 * An S3 event notification for one new object, in the shape S3 sends (S3 User Guide, "Event
 * message structure"): the key URL-encoded the way HTML forms do it, the ETag without quotes.
 */
export interface NotifiedObject {
  bucket: string;
  key: string;
  size: number;
  /** The object's ETag, bare. */
  etag: string;
}

export function objectCreatedNotification(object: NotifiedObject, eventTime = new Date()) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: eventTime.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '198.51.100.7' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads',
          bucket: {
            name: object.bucket,
            ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
            arn: `arn:aws:s3:::${object.bucket}`,
          },
          object: {
            key: encodeURIComponent(object.key).replace(/%20/g, '+').replace(/%2F/g, '/'),
            size: object.size,
            eTag: object.etag,
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}
