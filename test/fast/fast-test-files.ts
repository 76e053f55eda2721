/**
 * `npm run test:fast`: the unit, pipeline and contract suites that run on in-memory fakes and the
 * embedded adapters (local folder, SQLite, ONNX Runtime, loopback servers inside the process).
 * They are imported into two processes (shard-1.ts, shard-2.ts), so the TypeScript loader starts
 * twice instead of once per file. Left to the full `npm test`: suites that need s3rver, dynalite
 * or child processes (integration, end to end, infra, the bad-input corpus), and the decoding of
 * every shared DICOM sample (../shared/data, slow and absent from CI clones).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = fileURLToPath(new URL('..', import.meta.url));
const folders = ['unit', 'pipeline', 'contract'];
const leftToTheFullSuite = new Set([
  'contract/s3-blob-store.test.ts',
  'contract/dynamodb-result-store.test.ts',
  'contract/dynamodb-outbox.test.ts',
  'contract/dynamodb-record-with-events.test.ts',
  'contract/dynamodb-access-stores.test.ts',
  'unit/dicom-samples.test.ts',
]);

export function fastTestFiles(): string[] {
  return folders
    .flatMap((folder) =>
      readdirSync(join(testRoot, folder))
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => `${folder}/${name}`),
    )
    .filter((file) => !leftToTheFullSuite.has(file))
    .sort()
    .map((file) => join(testRoot, file));
}

/**
 * Imports every `count`-th file from the `index`-th (1-based). A suite starts as soon as it is
 * registered, so the modules they share (src/, test/support/) are loaded first: compiling them
 * while a suite runs would stall its loopback servers and timers.
 */
export async function importShard(index: number, count: number): Promise<void> {
  for (const folder of ['src', 'test/support']) {
    for (const module of modulesUnder(join(testRoot, '..', folder))) await import(module);
  }
  const files = fastTestFiles().filter((_, position) => position % count === index - 1);
  for (const file of files) await import(file);
}

/** Every module of a folder but the runnable entries: the CLI's (it would run the CLI) and workers' (they need workerData). */
function modulesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter(
      (path) =>
        path.endsWith('.ts') &&
        !path.endsWith('.d.ts') &&
        !path.endsWith('cli-main.ts') &&
        !path.endsWith('-worker.ts'),
    )
    .sort()
    .map((path) => join(folder, path));
}
