/**
 * The PromptSource contract: bundled files now, Langfuse later.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DdxError } from '../../src/errors.js';
import type { PromptSource } from '../../src/ports.js';

export function promptSourceContract(adapterName: string, create: () => Promise<PromptSource>): void {
  describe(`PromptSource contract: ${adapterName}`, () => {
    it('serves the recommendations prompt in the Langfuse shape', async () => {
      const prompt = await (await create()).get('ddx-recommendations');
      assert.equal(prompt.name, 'ddx-recommendations');
      assert.ok(Number.isInteger(prompt.version) && prompt.version >= 1);
      assert.equal(prompt.type, 'chat');
      assert.ok(Array.isArray(prompt.prompt) && prompt.prompt.some((message) => message.role === 'system'));
      assert.equal(typeof prompt.config.lowConfidenceThreshold, 'number');
      assert.equal(typeof prompt.isFallback, 'boolean');
    });

    it('declares clinical notes to be data inside a delimited field', async () => {
      const prompt = await (await create()).get('ddx-recommendations');
      const text = JSON.stringify(prompt.prompt);
      assert.match(text, /<clinical_notes>\\n\{\{notes\}\}\\n<\/clinical_notes>/);
      assert.match(text, /never instructions/);
    });

    it('serves the same prompt on a second request', async () => {
      const source = await create();
      assert.deepEqual(await source.get('ddx-recommendations'), await source.get('ddx-recommendations'));
    });

    it('fails with a typed error for an unknown or unsafe name', async () => {
      const source = await create();
      for (const name of ['no-such-prompt', '../package', '']) {
        await assert.rejects(source.get(name), (error: unknown) => error instanceof DdxError);
      }
    });
  });
}
