/**
 * Renders the PDF report of a stored record, for the README's example page:
 *
 *   DDX_DATA_DIR=/tmp/ddx-example node --import tsx src/entry/cli-main.ts run samples/localized-melanoma-back.jpg --json > /tmp/record.json
 *   node --import tsx scripts/render-report-example.ts /tmp/record.json /tmp/ddx-example/blobs docs/report-example.pdf
 *   pdftoppm -r 80 -png -f 1 -l 1 -singlefile docs/report-example.pdf docs/report-example-page-1
 *
 * (The PDF itself is not committed; the PNG of its first page is.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportImages } from '../src/outputs/pdf-report/report-images.js';
import { pdfReport } from '../src/outputs/pdf-report.js';
import type { ReportableRecord } from '../src/outputs/reportable-record.js';

const [recordPath, blobFolder, outputPath] = process.argv.slice(2);
if (!recordPath || !blobFolder || !outputPath) {
  console.error('usage: render-report-example.ts <record.json> <blob folder> <output.pdf>');
  process.exit(2);
}
const record = JSON.parse(await readFile(recordPath, 'utf8')) as ReportableRecord;
const upload = await readFile(join(blobFolder, record.source.key));
const crop = record.localization?.cropKey
  ? await readFile(join(blobFolder, record.localization.cropKey))
  : null;
const images = await reportImages(upload, crop, { maxPixels: 50e6 });
await writeFile(outputPath, await pdfReport(record, { images }));
console.log(`wrote ${outputPath}`);
