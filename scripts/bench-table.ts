/**
 * `npm run bench:table -- <output files>`: regenerates the figures table of docs/benchmarks.md
 * from the JSON lines the benchmarks end with (bench/bench-report.ts). Give it the saved output
 * of one or more runs of each bench (`npm run bench > runs/bench-1.txt`, or no files to read
 * standard input); each figure shows its median over the runs and their spread, against its goal,
 * with the machine's load average during the runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchLine, benchLinePrefix, describeGoal, meetsGoal } from '../bench/bench-report.js';
import { median } from '../bench/percentiles.js';
import { packageRoot } from '../src/config.js';

const start = '<!-- figures:start (npm run bench:table) -->';
const end = '<!-- figures:end -->';

/** In the order of the goals; other figures follow. */
const figureOrder = [
  'p1OverheadMsPerImage',
  'p2CriticalPathRatio',
  'p2NaiveSumRatio',
  'p3ThroughputRatio',
  'p3ModelOnlyRatio',
  'p4ColdStartRatio',
  'p4ColdStartRatioPlain',
  'p5PeakRss12mpMb',
  'p5PeakRss48mpMb',
];

async function main(): Promise<void> {
  const files = process.argv.slice(2);
  const texts =
    files.length > 0 ? await Promise.all(files.map((file) => readFile(file, 'utf8'))) : [await stdin()];
  const lines = texts.flatMap((text) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(benchLinePrefix))
      .map((line) => JSON.parse(line) as BenchLine),
  );
  if (lines.length === 0) throw new Error('no benchmark JSON lines in the input');

  const page = join(packageRoot, 'docs/benchmarks.md');
  const markdown = await readFile(page, 'utf8');
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/benchmarks.md has no ${start} ... ${end} block`);
  await writeFile(page, `${markdown.slice(0, from + start.length)}\n${table(lines)}\n${markdown.slice(to)}`);
  console.log(`docs/benchmarks.md: figures from ${lines.length} benchmark run(s)`);
}

function table(lines: readonly BenchLine[]): string {
  const named = (line: BenchLine) => [
    ...Object.keys(line.goals),
    ...Object.keys(line.figures).filter((name) => figureOrder.includes(name)),
  ];
  const names = [...new Set(lines.flatMap(named))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const rows = names.map((name) => {
    const runs = lines.filter((line) => line.figures[name] !== undefined);
    const values = runs.map((line) => line.figures[name] as number);
    const goal = runs[0]?.goals[name];
    const middle = median(values);
    const loads = runs.map((line) => line.machine.loadAverage1m);
    return `| ${name} | ${runs[0]?.bench ?? '?'} | ${goal ? describeGoal(goal) : ''} | ${format(middle)} | ${format(Math.min(...values))} – ${format(Math.max(...values))} | ${values.length} | ${goal ? (meetsGoal(middle, goal) ? 'met' : 'not met') : ''} | ${format(Math.min(...loads))} – ${format(Math.max(...loads))} |`;
  });
  const cores = [...new Set(lines.map((line) => line.machine.cores))].join(', ');
  return [
    '| figure | bench | goal | median | spread (min – max) | runs | goal met | load average (1 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Machine: ${cores} core(s), ${[...new Set(lines.map((line) => line.machine.node))].join(', ')}.`,
  ].join('\n');
}

const rank = (name: string) => {
  const index = figureOrder.indexOf(name);
  return index < 0 ? figureOrder.length : index;
};
const format = (value: number) => (Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '–');

async function stdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

await main();
