/**
 * The analysed image with every detection drawn over it as SVG: thin boxes with their confidence,
 * the chosen region of interest thick, orange and labelled "ROI", and the padded crop dashed.
 * The SVG's viewBox is the image's own pixel grid, so boxes stay on the lesion at any width.
 */
import type { Box, Detection } from '../../../domain.js';
import type { ReportableLocalization } from '../../../outputs/reportable-record.js';
import { percent } from '../../../outputs/reportable-record.js';

export interface DetectionOverlayProps {
  width: number;
  height: number;
  /** Null draws the boxes on a blank frame of the image's size. */
  imageUrl: string | null;
  localization: ReportableLocalization | null;
}

function sameBox(a: Box, b: Box): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/** A label above the box, or inside its top edge when the box touches the top of the image. */
function BoxTag(props: { box: Box; text: string; fontSize: number }) {
  const { box, text, fontSize } = props;
  const tagHeight = fontSize * 1.4;
  const tagWidth = text.length * fontSize * 0.62 + fontSize * 0.6;
  const top = box.y - tagHeight >= 0 ? box.y - tagHeight : box.y;
  return (
    <>
      <rect class="tag" x={box.x} y={top} width={tagWidth} height={tagHeight} />
      <text x={box.x + fontSize * 0.3} y={top + fontSize * 1.05} font-size={fontSize}>
        {text}
      </text>
    </>
  );
}

function DetectionBox(props: { detection: Detection; isRoi: boolean; fontSize: number; index: number }) {
  const { detection, isRoi, fontSize } = props;
  const { box } = detection;
  const text = `${isRoi ? 'ROI · ' : ''}${detection.label} ${percent(detection.confidence)}`;
  return (
    <g
      class={isRoi ? 'detection roi' : 'detection'}
      data-detection={props.index}
      data-confidence={detection.confidence}
    >
      <title>{`${isRoi ? 'Chosen region of interest: ' : 'Detection: '}${detection.label}, confidence ${percent(detection.confidence)}`}</title>
      <rect
        class="box"
        x={box.x}
        y={box.y}
        width={box.width}
        height={box.height}
        vector-effect="non-scaling-stroke"
      />
      <BoxTag box={box} text={text} fontSize={fontSize} />
    </g>
  );
}

export function DetectionOverlay(props: DetectionOverlayProps) {
  const { width, height, localization } = props;
  const detections = localization?.detections ?? [];
  const roi = localization?.roi ?? null;
  // Text scales with the image so a label reads the same on a 4000 px photo and a 400 px crop.
  const fontSize = Math.max(10, Math.round(Math.max(width, height) / 45));
  const roiIndex = roi ? detections.findIndex((detection) => sameBox(detection.box, roi.box)) : -1;
  const described =
    detections.length === 0
      ? 'no detections'
      : `${detections.length} detection${detections.length === 1 ? '' : 's'}${roi ? ', the chosen region outlined in orange' : ''}`;
  return (
    <svg
      class="overlay"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`The analysed image with ${described}`}
      data-image-width={width}
      data-image-height={height}
    >
      {props.imageUrl ? (
        <image href={props.imageUrl} x={0} y={0} width={width} height={height} preserveAspectRatio="none" />
      ) : (
        <rect x={0} y={0} width={width} height={height} fill="#3a3f45" />
      )}
      {roi && (
        <rect
          class="crop-area"
          data-crop-area=""
          x={roi.paddedBox.x}
          y={roi.paddedBox.y}
          width={roi.paddedBox.width}
          height={roi.paddedBox.height}
          vector-effect="non-scaling-stroke"
        />
      )}
      {/* The ROI last, so it is drawn on top of any box it overlaps. */}
      {detections.map((detection, index) =>
        index === roiIndex ? null : (
          <DetectionBox detection={detection} isRoi={false} fontSize={fontSize} index={index} />
        ),
      )}
      {roi && (
        <DetectionBox
          detection={{ box: roi.box, confidence: roi.confidence, label: roi.label }}
          isRoi={true}
          fontSize={fontSize}
          index={roiIndex}
        />
      )}
    </svg>
  );
}
