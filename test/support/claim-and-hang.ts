/**
 * A child process for the crash-recovery test: claims one record id in a SQLite result store as
 * a run does (with this process named), says so on stdout, then hangs until it is killed.
 *
 * Usage: node --import tsx test/support/claim-and-hang.ts <sqlite path> <record id> <lease ms>
 */
import { createSqliteResultStore } from '../../src/adapters/result-store/sqlite.js';
import { thisProcess } from '../../src/concurrency/claim-process.js';

const [path = '', recordId = '', leaseMs = '600000'] = process.argv.slice(2);
const store = createSqliteResultStore({ path });
const claimed = await store.claim(recordId, {
  owner: `crash-test:${process.pid}`,
  leaseMs: Number(leaseMs),
  process: thisProcess(),
});
process.stdout.write(`${claimed ? 'claimed' : 'refused'}\n`);
setInterval(() => undefined, 60_000);
