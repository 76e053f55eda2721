/** The first half of `npm run test:fast` (fast-test-files.ts). */
import { importShard } from './fast-test-files.js';

await importShard(1, 2);
