/**
 * What `ddx batch` processes in a folder and what it skips, on real files and links in a temporary
 * folder: links followed, images known by their bytes, every skip given a reason.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { listBatchFiles } from '../../src/cli/batch-files.js';
import { LocalFileError } from '../../src/cli/upload-image.js';
import { packageRoot } from '../../src/config.js';
import { jpegBaselineDicom } from '../support/dicom-files.js';
import { failureOf } from '../support/unit-helpers.js';

const sample = join(packageRoot, 'samples', 'localized-melanoma-back.jpg');

describe('listBatchFiles', () => {
  let folder: string;
  let elsewhere: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'ddx-batch-files-'));
    elsewhere = await mkdtemp(join(tmpdir(), 'ddx-batch-targets-'));
    const jpeg = await readFile(sample);
    await writeFile(join(elsewhere, 'linked.jpg'), jpeg);
    await mkdir(join(elsewhere, 'linked-folder'));
    await writeFile(join(elsewhere, 'linked-folder', 'inside.png'), Buffer.from('89504e470d0a1a0a', 'hex'));

    await symlink(join(elsewhere, 'linked.jpg'), join(folder, 'link-to-image.jpg'));
    await symlink(join(elsewhere, 'linked-folder'), join(folder, 'link-to-folder'));
    await symlink(join(elsewhere, 'gone.jpg'), join(folder, 'broken-link.jpg'));
    await symlink(folder, join(folder, 'loop'));
    await mkdir(join(folder, 'series'));
    await writeFile(join(folder, 'series', 'IM0001'), jpegBaselineDicom(jpeg, { rows: 540, columns: 720 }));
    await writeFile(join(folder, 'photo-without-extension'), jpeg);
    await writeFile(join(folder, 'broken.jpg'), Buffer.from('not really a photo'));
    await writeFile(join(folder, 'notes.txt'), 'Patient photos to follow.\n');
    await writeFile(join(folder, 'report.pdf'), '%PDF-1.7\n');
    await writeFile(join(folder, 'empty'), '');
    await writeFile(join(folder, '.DS_Store'), 'x');
    await writeFile(join(folder, 'photo-without-extension.meta.json'), '{}');
    await writeFile(join(folder, 'orphan.jpg.meta.json'), '{}');
  });

  it('processes images known by their bytes or their name, through links', async () => {
    const { images } = await listBatchFiles(folder);
    assert.deepEqual(images, [
      'broken.jpg',
      'link-to-folder/inside.png',
      'link-to-image.jpg',
      'photo-without-extension',
      'series/IM0001',
    ]);
  });

  it('lists every file it skips, with the reason', async () => {
    const { skipped } = await listBatchFiles(folder);
    assert.deepEqual(
      skipped.map(({ file, reason }) => [file, reason]),
      [
        ['.DS_Store', 'hidden'],
        ['broken-link.jpg', 'a broken symbolic link (its target is missing)'],
        ['empty', 'empty, and not named as an image'],
        ['loop/', 'a link back to a folder already listed'],
        ['notes.txt', 'not an image: neither its content nor its name says so'],
        ['orphan.jpg.meta.json', 'metadata file without an image beside it'],
        ['report.pdf', 'a PDF document, not an image'],
      ],
    );
  });

  it('names a folder that is not there, or not a folder, as the user’s mistake', async () => {
    const missing = await failureOf(() => listBatchFiles(join(folder, 'nope')));
    assert.ok(missing instanceof LocalFileError);
    assert.match(missing.message, /^cannot read folder .*nope: no such file or directory \(ENOENT\)$/);
    const file = await failureOf(() => listBatchFiles(join(folder, 'notes.txt')));
    assert.ok(file instanceof LocalFileError);
    assert.match(file.message, /is not a folder/);
  });
});
