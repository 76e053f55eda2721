/**
 * The CLI's output streams: a closed pipe (`ddx results list | head -1`) drops the rest quietly;
 * any other write failure is kept, so the command cannot claim success for lost output.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { streamOutput } from '../../src/cli/cli-output.js';

function failingStream(code: string): { stream: NodeJS.WriteStream; writes: () => number } {
  let writes = 0;
  const stream = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, writes: () => writes };
}

describe('streamOutput', () => {
  it('ends quietly on a closed pipe: no error escapes, later writes are dropped', async () => {
    const { stream, writes } = failingStream('EPIPE');
    const output = streamOutput(stream);
    const failed = once(stream, 'error');
    output.write('first line\n');
    await failed;
    output.write('second line\n');
    output.write('third line\n');
    assert.equal(writes(), 1);
    assert.equal(output.failure(), undefined);
  });

  it('keeps any other write failure', async () => {
    const { stream } = failingStream('ENOSPC');
    const output = streamOutput(stream);
    const failed = once(stream, 'error');
    output.write('a record\n');
    await failed;
    assert.match(output.failure()?.message ?? '', /ENOSPC/);
  });

  it('has no width when it is not a terminal, so nothing is cut', () => {
    const { stream } = failingStream('EPIPE');
    assert.equal(streamOutput(stream).columns, undefined);
  });
});
