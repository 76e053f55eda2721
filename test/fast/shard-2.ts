/** The second half of `npm run test:fast` (fast-test-files.ts). */
import { importShard } from './fast-test-files.js';

await importShard(2, 2);
