/**
 * How long the notes scrubber takes on adversarial notes (test/support/adversarial-notes.ts), at
 * 400 and 4000 characters: a linear scrubber takes about ten times as long on the longer ones, a
 * backtracking one far more. The first call (patterns built and compiled) is reported apart.
 *
 * Target: every 4000-character note under 100 ms; the 4000/400 ratio near 10.
 *
 * @example
 * node --import tsx bench/scrub-notes.bench.ts
 */
import { scrubNotes } from '../src/clinical/scrub-notes.js';
import { adversarialNotes } from '../test/support/adversarial-notes.js';

const known = { names: ['Aa Aa'], identifiers: ['A1-1'] };

function slowestMs(notes: readonly string[]): number {
  let slowest = 0;
  for (const note of notes) {
    const started = performance.now();
    scrubNotes(note, known);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}

const started = performance.now();
scrubNotes('Dr Zoë 555-0100 lesion on the arm', { names: ['Zoë'] });
const firstCallMs = performance.now() - started;
// Warm both string widths (a placeholder makes the text 16-bit) before measuring.
slowestMs(adversarialNotes(400));
const short = slowestMs(adversarialNotes(400));
const long = slowestMs(adversarialNotes(4000));
const figures = {
  firstCallMs: Number(firstCallMs.toFixed(1)),
  slowest400Ms: Number(short.toFixed(2)),
  slowest4000Ms: Number(long.toFixed(2)),
  lengthRatio: Number((long / Math.max(short, 0.01)).toFixed(1)),
};
console.log(
  JSON.stringify({
    bench: 'scrub-notes',
    figures,
    goals: { slowest4000Ms: long < 100, lengthRatio: figures.lengthRatio < 30 },
  }),
);
