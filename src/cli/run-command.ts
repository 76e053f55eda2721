/**
 * `ddx run <image>`: one image uploaded as a clinician's app would upload it, through the
 * pipeline, and its record printed (a summary, or the stored record as JSON).
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { runInference } from '../pipeline/run-inference.js';
import { RecordStatus } from '../record.js';
import type { Command } from './command.js';
import { exitCodeFor } from './exit-code.js';
import { formatRecordSummary } from './format-record.js';
import { metadataFileBeside, readLocalUpload, uploadLocalImage } from './upload-image.js';

export const runCommand: Command = {
  name: 'run',
  summary: "upload an image as a clinician's app would, run the pipeline, print the record",
  arguments: [
    {
      name: 'image',
      description: 'a JPEG, PNG, WebP, GIF, TIFF, AVIF or DICOM file, recognised by its content',
    },
  ],
  options: {
    meta: {
      type: 'string',
      value: 'file.json',
      description: 'the clinical metadata; without it, <image>.meta.json beside the image when there is one',
    },
    json: { type: 'boolean', description: 'print the stored record as JSON instead of the summary' },
  },
  description: [
    'The image and its metadata are stored under uploads/cli/<digest>/<file name>,',
    'the digest covering both: the same image with the same metadata is answered',
    'from its stored record; a changed metadata file is a new upload, analysed again.',
  ].join('\n'),
  examples: [
    'ddx run samples/localized-melanoma-back.jpg',
    'ddx run photo.jpg --meta photo.json --json > record.json',
  ],
  async run({ args, options, config, deps, out, err }) {
    const [imagePath = ''] = args;
    const metadataPath = options.text('meta') ?? (await metadataFileBeside(imagePath));
    // Read before anything is composed: a missing file is a usage error, whatever the configuration.
    const upload = await readLocalUpload({ imagePath, metadataPath });
    const dependencies = await deps();
    const source = await uploadLocalImage(
      dependencies.blobStore,
      { imagePath, metadataPath, inputPrefix: config().inputPrefix, name: basename(imagePath) },
      upload,
    );
    const { record, reused } = await runInference(
      { source, requestId: randomUUID(), trigger: 'cli' },
      dependencies,
    );
    out.write(
      options.flag('json')
        ? `${JSON.stringify(record, null, 2)}\n`
        : `${formatRecordSummary(record, reused)}\n`,
    );
    if (record.status === RecordStatus.failed && record.error) {
      err.write(`ddx: ${record.error.code} in ${record.error.step}: ${record.error.message}\n`);
    }
    return exitCodeFor(record);
  },
};
