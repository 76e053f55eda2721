/**
 * The DICOM transfer syntaxes (PS3.5 section 10 and annex A) this service can decode, and how the
 * pixel data of each is encoded. Anything else (MPEG, HTJ2K, JPIP, JPEG XL...) is refused by name.
 */

export const PixelEncoding = {
  /** Uncompressed samples, little-endian words. */
  nativeLittleEndian: 'native-little-endian',
  /** Uncompressed samples, big-endian words (retired Explicit VR Big Endian). */
  nativeBigEndian: 'native-big-endian',
  rle: 'rle',
  /** JPEG baseline (8-bit) and extended (8- or 12-bit) DCT: libjpeg in sharp, 8-bit only. */
  jpegDct: 'jpeg-dct',
  jpegLossless: 'jpeg-lossless',
  jpegLs: 'jpeg-ls',
  jpeg2000: 'jpeg-2000',
} as const;
export type PixelEncoding = (typeof PixelEncoding)[keyof typeof PixelEncoding];

export interface TransferSyntax {
  uid: string;
  name: string;
  encoding: PixelEncoding;
}

const transferSyntaxes: readonly TransferSyntax[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', encoding: 'native-little-endian' },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', encoding: 'native-little-endian' },
  {
    uid: '1.2.840.10008.1.2.1.99',
    name: 'Deflated Explicit VR Little Endian',
    encoding: 'native-little-endian',
  },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', encoding: 'native-big-endian' },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', encoding: 'rle' },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', encoding: 'jpeg-dct' },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 and 4)', encoding: 'jpeg-dct' },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', encoding: 'jpeg-lossless' },
  {
    uid: '1.2.840.10008.1.2.4.70',
    name: 'JPEG Lossless (Process 14, Selection Value 1)',
    encoding: 'jpeg-lossless',
  },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', encoding: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 (Lossless Only)', encoding: 'jpeg-2000' },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', encoding: 'jpeg-2000' },
];

const byUid = new Map(transferSyntaxes.map((syntax) => [syntax.uid, syntax]));

/** Well-known syntaxes we refuse, named so the message says what the file is. */
const refusedNames: Record<string, string> = {
  '1.2.840.10008.1.2.4.100': 'MPEG-2 video',
  '1.2.840.10008.1.2.4.101': 'MPEG-2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 video',
  '1.2.840.10008.1.2.4.107': 'HEVC video',
  '1.2.840.10008.1.2.4.108': 'HEVC video',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
};

export function transferSyntaxOf(uid: string): TransferSyntax | undefined {
  return byUid.get(uid);
}

/** "1.2.840.10008.1.2.4.100 (MPEG-2 video)", or the bare UID for one we do not know. */
export function describeTransferSyntax(uid: string): string {
  const name = byUid.get(uid)?.name ?? (Object.hasOwn(refusedNames, uid) ? refusedNames[uid] : undefined);
  return name ? `${uid} (${name})` : uid;
}
