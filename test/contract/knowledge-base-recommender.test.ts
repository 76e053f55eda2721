import { join } from 'node:path';
import { createKnowledgeBaseRecommender } from '../../src/adapters/recommender/knowledge-base.js';
import { loadKnowledgeBase } from '../../src/clinical/knowledge-base.js';
import { packageRoot } from '../../src/config.js';
import { recommenderContract } from './recommender.contract.js';

recommenderContract('knowledge base', async () =>
  createKnowledgeBaseRecommender(await loadKnowledgeBase(join(packageRoot, 'data', 'knowledge-base.json'))),
);
