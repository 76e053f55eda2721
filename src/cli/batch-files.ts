/**
 * Which files of a folder `ddx batch` processes, and why it leaves out the others. Symbolic links
 * are followed (to files and folders; a loop is named, not walked forever). A file is an image by
 * its first bytes (a DICOM named `IM0001`, a JPEG without an extension), or by its name when its
 * bytes say nothing: a broken `photo.jpg` still gets a failed record that says what is wrong with
 * it, instead of vanishing. Everything else is listed as skipped, with the reason.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sniffImageFormat } from '../imaging/image-format.js';
import { isMetadataSidecar, metadataSidecarSuffix } from '../uploads/metadata-sidecar.js';
import { describeFileError, LocalFileError } from './upload-image.js';

export interface SkippedFile {
  /** Relative to the folder; a folder ends with `/`. */
  file: string;
  reason: string;
}

export interface BatchListing {
  /** Relative paths of the images, sorted. */
  images: string[];
  skipped: SkippedFile[];
}

/** Named image formats we refuse (HEIC, BMP...): still images, so they end as clear failed records. */
const refusedImageFormats = new Set(['HEIC', 'BMP', 'JPEG 2000', 'JPEG XL']);
/** Names a clinic gives images: a file so named is processed even when its bytes are not an image. */
const imageExtensions = /\.(jpe?g|png|webp|gif|tiff?|avif|heic|heif|dcm|dicom|bmp|svg|jp2|jxl)$/i;
/** Enough for every signature sniffImageFormat reads (DICOM's is at byte 128, SVG's within 512). */
const headBytes = 1024;

export async function listBatchFiles(folder: string): Promise<BatchListing> {
  const root = await stat(folder).catch((error: unknown) => {
    throw new LocalFileError(`cannot read folder ${folder}: ${describeFileError(error)}`);
  });
  if (!root.isDirectory()) {
    throw new LocalFileError(`${folder} is not a folder (ddx run takes one image, ddx batch a folder)`);
  }
  const files: string[] = [];
  const sidecars: string[] = [];
  const skipped: SkippedFile[] = [];
  await walk(folder, '', new Set([await realpath(folder)]), { files, sidecars, skipped });

  const images: string[] = [];
  for (const file of files) {
    const reason = await reasonNotAnImage(join(folder, file), file);
    if (reason) skipped.push({ file, reason });
    else images.push(file);
  }
  const processed = new Set(images);
  for (const sidecar of sidecars) {
    const image = sidecar.slice(0, -metadataSidecarSuffix.length);
    if (!processed.has(image))
      skipped.push({ file: sidecar, reason: 'metadata file without an image beside it' });
  }
  const byName = (a: { file: string }, b: { file: string }) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
  return { images: images.sort(), skipped: skipped.sort(byName) };
}

interface Found {
  files: string[];
  sidecars: string[];
  skipped: SkippedFile[];
}

async function walk(folder: string, relative: string, visited: Set<string>, found: Found): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(folder, relative), { withFileTypes: true });
  } catch (error) {
    if (relative === '')
      throw new LocalFileError(`cannot read folder ${folder}: ${describeFileError(error)}`);
    found.skipped.push({
      file: `${relative}/`,
      reason: `a folder that cannot be read: ${describeFileError(error)}`,
    });
    return;
  }
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    const absolute = join(folder, path);
    if (entry.name.startsWith('.')) {
      found.skipped.push({ file: entry.isDirectory() ? `${path}/` : path, reason: 'hidden' });
      continue;
    }
    const kind = entry.isSymbolicLink() ? await linkTarget(absolute) : entry;
    if (typeof kind === 'string') {
      found.skipped.push({ file: path, reason: kind });
    } else if (kind.isDirectory()) {
      const real = await realpath(absolute);
      if (visited.has(real)) {
        found.skipped.push({ file: `${path}/`, reason: 'a link back to a folder already listed' });
        continue;
      }
      visited.add(real);
      await walk(folder, path, visited, found);
    } else if (!kind.isFile()) {
      found.skipped.push({ file: path, reason: 'not a regular file (a device, socket or pipe)' });
    } else if (isMetadataSidecar(entry.name)) {
      found.sidecars.push(path);
    } else {
      found.files.push(path);
    }
  }
}

/** What a symbolic link points to, or why it cannot be followed. */
async function linkTarget(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean } | string> {
  try {
    return await stat(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'a broken symbolic link (its target is missing)'
      : `a symbolic link that cannot be followed: ${describeFileError(error)}`;
  }
}

/** Undefined when the file is to be processed; else why not. */
async function reasonNotAnImage(path: string, name: string): Promise<string | undefined> {
  let head: Uint8Array;
  try {
    head = await readHead(path);
  } catch (error) {
    return `cannot be read: ${describeFileError(error)}`;
  }
  const sniffed = sniffImageFormat(head);
  if (sniffed.supported || refusedImageFormats.has(sniffed.format)) return undefined;
  if (imageExtensions.test(name)) return undefined;
  if (head.length === 0) return 'empty, and not named as an image';
  if (sniffed.format === 'PDF') return 'a PDF document, not an image';
  if (sniffed.format === 'SVG') return 'markup (XML, SVG), not named as an image';
  return 'not an image: neither its content nor its name says so';
}

async function readHead(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(headBytes);
    const { bytesRead } = await file.read(buffer, 0, headBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
