/**
 * The uploads of the load bench: distinct objects made from samples/*.jpg and their sidecars, and
 * a small share of bad inputs, put into the blob store the way the CLI uploads (`uploadImage`).
 *
 * Cheap variety: each sample is re-encoded at a few JPEG qualities once, and every upload gets a
 * JPEG comment segment naming it, so no two uploads have the same bytes (or the same ETag) while
 * only a handful of images are ever encoded.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { uploadImage } from '../src/cli/upload-image.js';
import { mapWithConcurrency } from '../src/concurrency/map-with-concurrency.js';
import { packageRoot } from '../src/config.js';
import { InputErrorCode } from '../src/errors.js';
import type { BlobStore } from '../src/ports.js';

export type Expectation = { status: 'usable' } | { status: 'failed'; code: InputErrorCode; problem: string };

export interface PlannedUpload {
  key: string;
  /** The object's ETag as S3 puts it in the event: bare. */
  etag: string;
  size: number;
  /** The sample image it was made from. */
  sample: string;
  expected: Expectation;
}

export interface UploadSettings {
  count: number;
  /** Uploads go under this prefix; each key has a space, as real file names do. */
  prefix: string;
  /** Every n-th upload is a bad input; 0 for none. */
  badEvery: number;
  /** A folder for the files before they are uploaded. */
  stagingDirectory: string;
}

interface BadInput {
  problem: string;
  code: InputErrorCode;
  image?: (jpeg: Buffer) => Buffer;
  metadata?: Buffer;
  /** The event names an object that is gone by the time it is processed. */
  missing?: boolean;
}

const badInputs: readonly BadInput[] = [
  {
    problem: 'truncated JPEG',
    code: InputErrorCode.corruptImage,
    image: (jpeg) => jpeg.subarray(0, jpeg.length >> 1),
  },
  {
    problem: 'text saved as .jpg',
    code: InputErrorCode.unsupportedFormat,
    image: () => Buffer.from('Photo to follow after the visit.\n'),
  },
  {
    problem: 'metadata not JSON',
    code: InputErrorCode.invalidMetadata,
    metadata: Buffer.from('extent: localized\nbodySite: back\n'),
  },
  {
    problem: 'unknown extent in metadata',
    code: InputErrorCode.invalidMetadata,
    metadata: Buffer.from('{ "extent": "everywhere" }\n'),
  },
  { problem: 'object gone before processing', code: InputErrorCode.objectNotFound, missing: true },
];

const qualities = [undefined, 90, 75, 60] as const;

/** Each sample's sidecar and its image as shipped and re-encoded at each quality. */
export type SampleVariants = { name: string; metadata: Buffer; images: Buffer[] }[];

/** Loads the samples and their re-encoded variants; shared by every plan of one run. */
export async function loadSampleVariants(): Promise<SampleVariants> {
  const sampleDirectory = join(packageRoot, 'samples');
  const names = (await readdir(sampleDirectory)).filter((name) => name.endsWith('.jpg')).sort();
  return Promise.all(
    names.map(async (name) => {
      const original = await readFile(join(sampleDirectory, name));
      const metadata = await readFile(join(sampleDirectory, `${name}.meta.json`));
      const images = await Promise.all(
        qualities.map((quality) =>
          quality === undefined ? original : sharp(original).jpeg({ quality }).toBuffer(),
        ),
      );
      return { name, metadata, images };
    }),
  );
}

export async function uploadPlanned(
  blobStore: BlobStore,
  samples: SampleVariants,
  settings: UploadSettings,
): Promise<PlannedUpload[]> {
  await mkdir(settings.stagingDirectory, { recursive: true });
  const indexes = Array.from({ length: settings.count }, (_, index) => index);
  return mapWithConcurrency(indexes, 8, async (index) => {
    const sample = samples[index % samples.length];
    const image = sample?.images[Math.floor(index / samples.length) % qualities.length];
    if (!sample || !image) throw new Error('no samples to upload');
    const name = `${String(index).padStart(4, '0')} ${sample.name}`;
    const key = `${settings.prefix}${name}`;
    const isBad = settings.badEvery > 0 && index % settings.badEvery === settings.badEvery - 1;
    const bad = isBad ? badInputs[Math.floor(index / settings.badEvery) % badInputs.length] : undefined;

    const distinct = withComment(image, `ddx load bench ${key}`);
    const body = bad?.image ? bad.image(distinct) : distinct;
    const metadata = bad?.metadata ?? sample.metadata;
    const expected: Expectation = bad
      ? { status: 'failed', code: bad.code, problem: bad.problem }
      : { status: 'usable' };
    // An object never stored has no ETag of the store's: its event names the bytes' MD5.
    let etag = createHash('md5').update(body).digest('hex');
    if (!bad?.missing) {
      const imagePath = join(settings.stagingDirectory, name);
      const metadataPath = `${imagePath}.meta.json`;
      await Promise.all([writeFile(imagePath, body), writeFile(metadataPath, metadata)]);
      // The event names the version the store wrote, as S3's notification would.
      const stored = await uploadImage(blobStore, { imagePath, metadataPath, key });
      etag = stored.etag?.replaceAll('"', '') ?? etag;
    }
    return { key, etag, size: body.length, sample: sample.name, expected };
  });
}

/** The JPEG with a comment segment (COM, 0xFFFE) right after its start-of-image marker. */
function withComment(jpeg: Buffer, text: string): Buffer {
  const comment = Buffer.from(text, 'utf8');
  const header = Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), header, comment, jpeg.subarray(2)]);
}
