/**
 * A photo-like JPEG of any size for the benchmarks: the sample lesion scaled up over grainy skin,
 * the grain keeping the JPEG's size and decode cost close to a phone photo's.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { packageRoot } from '../src/config.js';

export async function photoLike(width: number, height: number): Promise<Buffer> {
  const skin = Buffer.alloc(width * height * 3);
  for (let index = 0; index < skin.length; index += 3) {
    const grain = (index * 2654435761) % 23;
    skin[index] = 210 + grain;
    skin[index + 1] = 170 + grain;
    skin[index + 2] = 140 + grain;
  }
  const lesion = await sharp(join(packageRoot, 'samples', 'localized-melanoma-back.jpg'))
    .resize(Math.round(width * 0.4))
    .toBuffer();
  return sharp(skin, { raw: { width, height, channels: 3 } })
    .composite([{ input: lesion, left: Math.round(width * 0.3), top: Math.round(height * 0.3) }])
    .jpeg({ quality: 90 })
    .toBuffer();
}
