/**
 * SR content items as dcmjs "naturalized" data sets (keyword keys, sequences as arrays), small
 * enough to read next to PS3.3 C.17.3. dcmjs encodes them; dcmjs 0.51's own TID 1500 template
 * classes are an incomplete port (their group constructor throws on valid tracking identifiers), so
 * the templates are built from these items instead.
 */

export interface Code {
  CodeValue?: string;
  /** Codes longer than 16 characters (SH) go here instead of CodeValue (PS3.3 8.8). */
  LongCodeValue?: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export type ContentItem = Record<string, unknown> & { ValueType: string; RelationshipType?: string };

export type Relationship =
  | 'CONTAINS'
  | 'HAS OBS CONTEXT'
  | 'HAS CONCEPT MOD'
  | 'HAS PROPERTIES'
  | 'SELECTED FROM';

/** CodeMeaning is LO (64 characters): longer meanings are cut with an ellipsis. */
export function code(value: string, scheme: string, meaning: string): Code {
  const CodeMeaning = meaning.length > 64 ? `${meaning.slice(0, 63)}…` : meaning;
  return value.length <= 16
    ? { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning }
    : { LongCodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning };
}

function item(relationship: Relationship | undefined, valueType: string, name: Code): ContentItem {
  return {
    ...(relationship ? { RelationshipType: relationship } : {}),
    ValueType: valueType,
    ConceptNameCodeSequence: [name],
  };
}

export function container(
  relationship: Relationship | undefined,
  name: Code,
  children: ContentItem[],
  templateId?: string,
): ContentItem {
  return {
    ...item(relationship, 'CONTAINER', name),
    ContinuityOfContent: 'SEPARATE',
    ...(templateId
      ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: templateId }] }
      : {}),
    ...(children.length > 0 ? { ContentSequence: children } : {}),
  };
}

export function codeItem(relationship: Relationship, name: Code, value: Code): ContentItem {
  return { ...item(relationship, 'CODE', name), ConceptCodeSequence: [value] };
}

/** UT values may be long; TEXT is for short statements here, kept under 1024 characters. */
export function textItem(
  relationship: Relationship,
  name: Code,
  value: string,
  children: ContentItem[] = [],
): ContentItem {
  return {
    ...item(relationship, 'TEXT', name),
    TextValue: value.slice(0, 1024),
    ...(children.length > 0 ? { ContentSequence: children } : {}),
  };
}

export function uidItem(relationship: Relationship, name: Code, uid: string): ContentItem {
  return { ...item(relationship, 'UIDREF', name), UID: uid };
}

/** A measurement: NumericValue is DS (16 characters), so values are rounded to what it can hold. */
export function numItem(
  relationship: Relationship,
  name: Code,
  value: number,
  unit: Code,
  children: ContentItem[] = [],
): ContentItem {
  return {
    ...item(relationship, 'NUM', name),
    MeasuredValueSequence: [
      { NumericValue: Number(value.toPrecision(6)), MeasurementUnitsCodeSequence: [unit] },
    ],
    ...(children.length > 0 ? { ContentSequence: children } : {}),
  };
}

export interface ImageReference {
  sopClassUid: string;
  sopInstanceUid: string;
  /** Only for multi-frame images: the frame analysed. */
  frame?: number;
}

export function imageItem(relationship: Relationship, name: Code, image: ImageReference): ContentItem {
  return {
    ...item(relationship, 'IMAGE', name),
    ReferencedSOPSequence: [
      {
        ReferencedSOPClassUID: image.sopClassUid,
        ReferencedSOPInstanceUID: image.sopInstanceUid,
        ...(image.frame !== undefined ? { ReferencedFrameNumber: String(image.frame) } : {}),
      },
    ],
  };
}

/** A 2D region in image pixels (column, row pairs; 0,0 is the top-left corner of the first pixel). */
export function scoordItem(
  relationship: Relationship,
  name: Code,
  graphicType: 'POLYLINE' | 'POINT' | 'CIRCLE' | 'ELLIPSE',
  points: number[],
  selectedFrom: ContentItem,
): ContentItem {
  return {
    ...item(relationship, 'SCOORD', name),
    GraphicType: graphicType,
    GraphicData: points.map((value) => Number(value.toFixed(2))),
    ContentSequence: [selectedFrom],
  };
}
