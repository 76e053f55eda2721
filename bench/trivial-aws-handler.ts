/**
 * The cold-start baseline of bench/cold-start.bench.ts: a Lambda handler that imports the AWS
 * clients the real handler uses (S3, the DynamoDB document client, SageMaker runtime) and makes
 * one call with each for the uploaded object, and nothing else. What any Lambda that talks to
 * these services pays on a cold start; the real handler's cost above it is the orchestrator's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

const s3 = new S3Client({});
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sageMaker = new SageMakerRuntimeClient({});

interface S3Notification {
  Records: { s3: { bucket: { name: string }; object: { key: string } } }[];
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  for (const message of event.Records) {
    const notification = JSON.parse(message.body) as S3Notification;
    for (const { s3: location } of notification.Records) {
      const key = decodeURIComponent(location.object.key.replace(/\+/g, ' '));
      const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket.name, Key: key }));
      const image = (await object.Body?.transformToByteArray()) ?? new Uint8Array(0);
      await documents.send(new GetCommand({ TableName: process.env.DDX_TABLE, Key: { id: key } }));
      await sageMaker.send(
        new InvokeEndpointCommand({
          EndpointName: process.env.BENCH_ENDPOINT,
          ContentType: 'application/x-image',
          Accept: 'application/json',
          Body: image,
        }),
      );
    }
  }
  return { batchItemFailures: [] };
};
