/**
 * s3rver (a real S3 protocol server) in-process on a loopback port, with one bucket, its objects in
 * a temporary folder. The client it hands back has the settings s3rver needs (DEPENDENCIES.md):
 * path-style addressing, and checksums only when required (otherwise streamed uploads are stored
 * with their aws-chunked framing inside); SDK retries are off, as in production.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

// s3rver ships no type declarations: load it through require and state the little we use.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverServer;

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** A client talking to s3rver directly (seeding and checking objects). */
  client: S3Client;
  close(): Promise<void>;
}

export async function startS3rver(bucket = 'ddx-test-bucket'): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'ddx-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3rverClient(endpoint);
  return {
    endpoint,
    bucket,
    client,
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A client for s3rver at `endpoint` (or for a fault proxy in front of it). */
export function createS3rverClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}
