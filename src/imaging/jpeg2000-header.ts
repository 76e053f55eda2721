/**
 * What a JPEG 2000 codestream's main header claims (ISO/IEC 15444-1 A.5.1 SIZ, A.6.1 COD), read
 * before a codec allocates any of it: image size, components and their bit depths, the tile grid
 * and the decomposition levels. OpenJPEG's own header reader leaves its frame info empty, and
 * would allocate per component and per tile whatever the header says.
 */

export interface Jpeg2000Header {
  width: number;
  height: number;
  components: number;
  /** Bit depth of each component (Ssiz & 0x7f, plus one). */
  bitDepths: number[];
  tiles: number;
  /** From the COD segment; undefined when the main header has none. */
  decompositionLevels: number | undefined;
}

const startOfCodestream = [0xff, 0x4f, 0xff, 0x51];
const codingStyleDefault = 0x52;
const startOfTile = 0x90;

export function jpeg2000Header(frame: Uint8Array): Jpeg2000Header | undefined {
  // A raw codestream starts with SOC SIZ; a JP2 file carries it further in (jp2c box).
  const head = Buffer.from(frame.buffer, frame.byteOffset, Math.min(frame.byteLength, 65536));
  const start = head.indexOf(Buffer.from(startOfCodestream));
  if (start < 0 || start + 42 > frame.length) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + start, frame.byteLength - start);
  // SOC (2), SIZ marker (2), Lsiz (2), Rsiz (2), then the grid, the offsets and the tile grid.
  const sizLength = view.getUint16(4);
  const width = view.getUint32(8) - view.getUint32(16);
  const height = view.getUint32(12) - view.getUint32(20);
  const tileWidth = view.getUint32(24);
  const tileHeight = view.getUint32(28);
  const tileOffsetX = view.getUint32(32);
  const tileOffsetY = view.getUint32(36);
  const components = view.getUint16(40);
  if (width <= 0 || height <= 0 || tileWidth === 0 || tileHeight === 0) return undefined;
  if (42 + components * 3 > 4 + sizLength || start + 4 + sizLength > frame.length) return undefined;
  const bitDepths = Array.from(
    { length: components },
    (_, index) => (view.getUint8(42 + index * 3) & 0x7f) + 1,
  );
  const tiles =
    Math.ceil((view.getUint32(8) - tileOffsetX) / tileWidth) *
    Math.ceil((view.getUint32(12) - tileOffsetY) / tileHeight);
  return {
    width,
    height,
    components,
    bitDepths,
    tiles,
    decompositionLevels: levelsFromCod(view, 4 + sizLength),
  };
}

/** Walks the main header's marker segments to COD: Scod (1), SGcod (4), then the level count. */
function levelsFromCod(view: DataView, from: number): number | undefined {
  let offset = from;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return undefined;
    const marker = view.getUint8(offset + 1);
    if (marker === startOfTile) return undefined;
    const length = view.getUint16(offset + 2);
    if (marker === codingStyleDefault) {
      return offset + 9 < view.byteLength ? view.getUint8(offset + 9) : undefined;
    }
    offset += 2 + length;
  }
  return undefined;
}
