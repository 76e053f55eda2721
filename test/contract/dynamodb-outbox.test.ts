import { createDynamoDbOutbox } from '../../src/adapters/outbox/dynamodb.js';
import { startDynalite } from '../support/dynalite.js';
import { outboxContract } from './outbox.contract.js';

outboxContract('DynamoDB (dynalite, in the result table)', async () => {
  const dynamo = await startDynalite();
  return {
    outbox: createDynamoDbOutbox({
      table: dynamo.table,
      client: dynamo.client,
      policy: { attempts: 3, timeoutMs: 2_000, baseDelayMs: 1, maxDelayMs: 5 },
    }),
    listsDelivered: false,
    cleanup: () => dynamo.close(),
  };
});
