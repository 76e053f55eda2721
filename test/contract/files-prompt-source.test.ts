import { join } from 'node:path';
import { createFilePromptSource } from '../../src/adapters/prompt-source/files.js';
import { packageRoot } from '../../src/config.js';
import { promptSourceContract } from './prompt-source.contract.js';

promptSourceContract('bundled files', async () =>
  createFilePromptSource({ directory: join(packageRoot, 'prompts') }),
);
