/**
 * The stores of the workspace, beside the records in the result store (the same SQLite file, the
 * same DynamoDB table): API tokens and the audit log. Composed here rather than in compose.ts
 * because only `ddx serve`, `ddx tokens` and the web Lambda need them.
 */
import type { Config } from '../config.js';
import type { AuditLog, TokenStore } from '../ports.js';

export interface AccessStores {
  tokens: TokenStore;
  audit: AuditLog;
  close(): Promise<void>;
}

export async function createAccessStores(config: Config): Promise<AccessStores> {
  const { resultStore } = config;
  let tokens: TokenStore;
  let audit: AuditLog;
  switch (resultStore.kind) {
    case 'sqlite': {
      const [{ createSqliteTokenStore }, { createSqliteAuditLog }] = await Promise.all([
        import('../adapters/token-store/sqlite.js'),
        import('../adapters/audit-log/sqlite.js'),
      ]);
      tokens = createSqliteTokenStore({ path: resultStore.path });
      audit = createSqliteAuditLog({ path: resultStore.path });
      break;
    }
    case 'dynamodb': {
      const [{ createDynamoDbTokenStore }, { createDynamoDbAuditLog }] = await Promise.all([
        import('../adapters/token-store/dynamodb.js'),
        import('../adapters/audit-log/dynamodb.js'),
      ]);
      const settings = { table: resultStore.table, region: resultStore.region, policy: config.callPolicy };
      tokens = createDynamoDbTokenStore(settings);
      audit = createDynamoDbAuditLog(settings);
      break;
    }
  }
  return {
    tokens,
    audit,
    async close() {
      await Promise.all([tokens.close?.(), audit.close?.()]);
    },
  };
}
