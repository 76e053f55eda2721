import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalFolderBlobStore } from '../../src/adapters/blob-store/local-folder.js';
import { createInMemoryBlobStore } from '../support/in-memory-blob-store.js';
import { blobStoreContract } from './blob-store.contract.js';

blobStoreContract('local folder', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ddx-blobs-'));
  return {
    store: createLocalFolderBlobStore({ root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

blobStoreContract('in-memory (test fake)', async () => ({ store: createInMemoryBlobStore() }), {
  keyEscape: 'a map has no folder to escape',
});
