// What a reader tells the import pipeline about one dataset of an upload (a Shapefile or a GeoJSON file), and the
// features it streams. Readers only read: staging, validation in SQL and the commit live in the pipeline.

export type TextEncoding = 'utf8' | 'windows1258' | 'tcvn3' | 'vni' | 'viscii' | 'latin1' | 'ascii';

export interface FieldInfo {
  /** Proposed layer attribute name: lower-case ASCII snake, unique in the dataset, not a system column. */
  name: string;
  /** The name as written in the DBF header or the GeoJSON properties. */
  sourceName: string;
  type: 'text' | 'integer' | 'number' | 'boolean' | 'date';
  length?: number;
}

export interface EncodingGuess {
  encoding: TextEncoding;
  /** 0..1; below ENCODING_CONFIDENCE_THRESHOLD (encoding.ts) the preview must ask the user. */
  confidence: number;
  /** For people, e.g. ".cpg says 1258; 312 of 315 text values decode to valid Vietnamese". */
  evidence: string;
  /** The .cpg text as found, when there was one. */
  cpg?: string;
  /** Every candidate with its plausibility score (-1..1), best first. */
  alternatives: { encoding: TextEncoding; score: number }[];
}

export interface CrsGuess {
  srid: number | null;
  confidence: number;
  evidence: string;
  source: 'prj-epsg' | 'prj-wkt' | 'coordinates' | 'default';
  /** True whenever the CRS was inferred from coordinates or the declared one contradicts them. */
  needsConfirmation: boolean;
  /** The file has northing in the first column (Vietnamese surveying writes X = northing). */
  swapXY: boolean;
  prjText?: string;
}

export interface FileProblem {
  code: string;
  /** A sentence a person understands. */
  message: string;
}

export interface SourceFeature {
  /** 0-based position in the file. */
  index: number;
  /** ISO WKB, 2D, in the source CRS, x/y already swapped when swapXY; null for null shapes and unreadable geometry. */
  wkb: Buffer | null;
  /** Keyed by FieldInfo.name (not sourceName: DBF names can repeat, proposed names cannot). */
  properties: Record<string, string | number | boolean | null>;
  problems: FileProblem[];
}

export interface FeatureReadOptions {
  encoding?: TextEncoding;
  swapXY?: boolean;
}

export interface SourceDataset {
  /** Path of the dataset inside the upload without its extension, e.g. "giao_thong/duong_tinh". */
  name: string;
  kind: 'shapefile' | 'geojson';
  /** As the file says: 'Polygon', 'PolyLineZ', 'Point'…; for GeoJSON the GeoJSON type(s) found. */
  shapeType: string;
  geometryFamily: 'point' | 'line' | 'polygon' | null;
  fields: FieldInfo[];
  featureCount: number;
  /** In the source CRS, as the features come out of features() with default options (swapped if crs.swapXY). */
  bbox: [number, number, number, number] | null;
  encoding: EncodingGuess | null;
  crs: CrsGuess;
  /** Dataset-level warnings that do not stop the import (a memo field not read, a .cpg that was ignored…). */
  problems: FileProblem[];
  features(opts?: FeatureReadOptions): AsyncIterable<SourceFeature>;
}

/** Fatal: the file cannot be imported. The message is for people; code is stable for the API and tests. */
export class ImportFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}
