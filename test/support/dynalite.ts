/**
 * dynalite (a DynamoDB protocol server on LevelDB) in-process on a loopback port, in memory, with
 * the result table created from the one table design (dynamodb-table.ts). SDK retries are off in
 * the client it hands back, as in production.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { resultTableDefinition } from '../../src/adapters/result-store/dynamodb-table.js';

// dynalite ships no type declarations: load it through require and state the little we use.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  table: string;
  /** A client talking to dynalite directly (checking what was stored). */
  client: DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(table = 'ddx-results'): Promise<RunningDynalite> {
  // Tables become ACTIVE at once instead of after dynalite's default 500 ms.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynaliteClient(endpoint);
  await createResultTable(client, table);
  return {
    endpoint,
    table,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** A client for dynalite at `endpoint` (or for a fault proxy in front of it). */
export function createDynaliteClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: 1,
  });
}

/** Creates the result table and waits until it and its index are ACTIVE. */
export async function createResultTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(new CreateTableCommand(resultTableDefinition(table)));
  for (let poll = 0; poll < 200; poll++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${table} did not become ACTIVE`);
}
