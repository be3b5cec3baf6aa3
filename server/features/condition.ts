// A filter as a tree, whatever language it was written in: CQL2 text and JSON (OGC API Features Part 3) and
// Filter Encoding 2.0 (WFS) parse into `Condition`; `checkCondition` then holds it against the layer — every
// property must be one of the layer's attributes (the queryables allowlist), every literal must be a value of
// that attribute's type, and the tree must stay within the size limits — and returns the checked tree that
// condition-sql.ts turns into parameterised SQL. Nothing a client writes becomes an identifier or SQL text.
import type { AttributeType } from '../catalog/attributes.ts';
import type { Layer } from '../catalog/catalog.ts';
import { AppError } from '../errors.ts';
import { CRS84, type CrsDefinition } from './crs.ts';
import { coerceAttributeValue, type FilterValue } from './query.ts';

export type Literal = string | number | boolean;

export type ScalarExpr =
  | { kind: 'property'; name: string }
  | { kind: 'literal'; value: Literal }
  | { kind: 'date'; value: string }
  | { kind: 'timestamp'; value: string }
  /** CQL2 CASEI / FES matchCase="false": compare without regard to case. */
  | { kind: 'casei'; arg: ScalarExpr }
  /** CQL2 ACCENTI: compare without regard to diacritics (Đường = Duong). */
  | { kind: 'accenti'; arg: ScalarExpr };

export interface GeoJsonGeometryLiteral {
  type: string;
  coordinates?: unknown;
  geometries?: GeoJsonGeometryLiteral[];
}

/** Geometry literals keep the client's axis order for their CRS; the SQL swaps where the CRS says latitude first. */
export type GeometryExpr =
  | { kind: 'property'; name: string }
  | { kind: 'geometry'; geometry: GeoJsonGeometryLiteral; crs: CrsDefinition }
  | { kind: 'envelope'; bbox: [number, number, number, number]; crs: CrsDefinition };

export type Comparison = '=' | '<>' | '<' | '<=' | '>' | '>=';
export const spatialRelations = ['intersects', 'disjoint', 'contains', 'within', 'touches', 'overlaps', 'crosses', 'equals'] as const;
export type SpatialRelation = (typeof spatialRelations)[number];

export type Condition =
  | { op: 'and' | 'or'; args: Condition[] }
  | { op: 'not'; arg: Condition }
  | { op: 'boolean'; value: boolean }
  | { op: 'compare'; comparison: Comparison; left: ScalarExpr; right: ScalarExpr }
  | { op: 'like'; value: ScalarExpr; pattern: ScalarExpr }
  | { op: 'between'; value: ScalarExpr; lower: ScalarExpr; upper: ScalarExpr }
  | { op: 'in'; value: ScalarExpr; list: ScalarExpr[] }
  | { op: 'isNull'; value: ScalarExpr }
  | { op: 'spatial'; relation: SpatialRelation; left: GeometryExpr; right: GeometryExpr }
  | { op: 'dwithin'; left: GeometryExpr; right: GeometryExpr; metres: number }
  /** Features by id (WFS ResourceId). */
  | { op: 'ids'; fids: number[] };

// The checked tree: what the SQL builder may trust.
export type TypedScalar =
  | { kind: 'column'; name: string; type: AttributeType }
  | { kind: 'value'; value: FilterValue; type: AttributeType }
  | { kind: 'fold'; fold: 'casei' | 'accenti'; arg: TypedScalar; type: 'text' };

export type TypedGeometry =
  | { kind: 'column' }
  | { kind: 'geometry'; geojson: string; crs: CrsDefinition }
  | { kind: 'envelope'; bbox: [number, number, number, number]; crs: CrsDefinition };

export type CheckedCondition =
  | { op: 'and' | 'or'; args: CheckedCondition[] }
  | { op: 'not'; arg: CheckedCondition }
  | { op: 'boolean'; value: boolean }
  | { op: 'compare'; comparison: Comparison; left: TypedScalar; right: TypedScalar }
  | { op: 'like'; value: TypedScalar; pattern: TypedScalar }
  | { op: 'between'; value: TypedScalar; lower: TypedScalar; upper: TypedScalar }
  | { op: 'in'; value: TypedScalar; list: FilterValue[]; type: AttributeType; fold: ('casei' | 'accenti')[] }
  | { op: 'isNull'; value: TypedScalar }
  | { op: 'spatial'; relation: SpatialRelation; left: TypedGeometry; right: TypedGeometry }
  | { op: 'dwithin'; left: TypedGeometry; right: TypedGeometry; metres: number }
  | { op: 'ids'; fids: number[] };

export interface ConditionLimits {
  /** Nesting of AND/OR/NOT and functions. */
  maxDepth: number;
  /** Predicates, operands and literals in the whole tree. */
  maxNodes: number;
  maxListItems: number;
  /** Positions in all geometry literals together. */
  maxVertices: number;
}

export const DEFAULT_CONDITION_LIMITS: ConditionLimits = { maxDepth: 20, maxNodes: 400, maxListItems: 1000, maxVertices: 10_000 };

export interface CheckOptions {
  /** What the protocol calls the geometry (OGC: `geometry`, WFS: `geom`). */
  geometryNames: readonly string[];
  limits?: ConditionLimits;
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

export const filterError = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_filter', message, details);

export const filterTooComplex = (message: string) => new AppError(400, 'filter_too_complex', message);

const typeHints: Record<AttributeType, string> = {
  text: 'text (a quoted string)',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  date: "a date, e.g. DATE('2024-05-01')",
  datetime: "a time with offset, e.g. TIMESTAMP('2024-05-01T08:00:00Z')",
};

const ordered = (t: AttributeType) => t !== 'boolean';
const numeric = (t: AttributeType) => t === 'integer' || t === 'number';

class Checker {
  #nodes = 0;
  #vertices = 0;
  readonly #attributes: Map<string, AttributeType>;
  readonly #limits: ConditionLimits;

  constructor(private readonly layer: Pick<Layer, 'id' | 'attributes'>, private readonly opts: CheckOptions) {
    this.#attributes = new Map(layer.attributes.map((a) => [a.name, a.type]));
    this.#limits = opts.limits ?? DEFAULT_CONDITION_LIMITS;
  }

  #count(n = 1): void {
    this.#nodes += n;
    if (this.#nodes > this.#limits.maxNodes) {
      throw filterTooComplex(`The filter is too large: at most ${this.#limits.maxNodes} predicates and values. Split the query, or use an export.`);
    }
  }

  #unknownProperty(name: string): AppError {
    const queryables = [...this.#attributes.keys()];
    const isGeometry = this.opts.geometryNames.includes(name);
    const message = isGeometry
      ? `'${name}' is the geometry; use it only in a spatial function such as S_INTERSECTS.`
      : `'${clip(name, 40)}' is not a queryable of ${this.layer.id}. Queryables: ${[...queryables, ...this.opts.geometryNames].join(', ') || '(none)'}.`;
    return new AppError(400, 'unknown_property', message, { property: clip(name, 40), queryables: [...queryables, ...this.opts.geometryNames] });
  }

  check(c: Condition, depth: number): CheckedCondition {
    if (depth > this.#limits.maxDepth) {
      throw filterTooComplex(`The filter is nested too deeply: at most ${this.#limits.maxDepth} levels of AND, OR, NOT and parentheses.`);
    }
    this.#count();
    switch (c.op) {
      case 'and':
      case 'or':
        if (c.args.length === 0) throw filterError(`${c.op.toUpperCase()} needs at least one operand.`);
        return { op: c.op, args: c.args.map((a) => this.check(a, depth + 1)) };
      case 'not':
        return { op: 'not', arg: this.check(c.arg, depth + 1) };
      case 'boolean':
        return c;
      case 'compare':
        return this.#compare(c, depth);
      case 'like': {
        const value = this.#scalar(c.value, depth);
        if (value.type !== 'text') throw filterError(`LIKE compares text; ${describe(c.value)} is ${value.type}.`);
        const pattern = this.#coerced(c.pattern, 'text', depth);
        if (!isTextValue(pattern)) throw filterError('The pattern of LIKE is a quoted string, e.g. ten LIKE \'Bản%\'.');
        return { op: 'like', value, pattern };
      }
      case 'between': {
        const value = this.#scalar(c.value, depth);
        if (!ordered(value.type)) throw filterError(`BETWEEN needs values that have an order; ${describe(c.value)} is ${value.type}.`);
        return { op: 'between', value, lower: this.#coerced(c.lower, value.type, depth), upper: this.#coerced(c.upper, value.type, depth) };
      }
      case 'in': {
        if (c.list.length === 0) throw filterError('IN needs at least one value.');
        if (c.list.length > this.#limits.maxListItems) {
          throw filterTooComplex(`An IN list may have at most ${this.#limits.maxListItems} values.`);
        }
        const folds: ('casei' | 'accenti')[] = [];
        let inner = c.value;
        while (inner.kind === 'casei' || inner.kind === 'accenti') {
          folds.push(inner.kind);
          inner = inner.arg;
        }
        const value = this.#scalar(c.value, depth);
        const base = this.#scalar(inner, depth);
        const list = c.list.map((item) => {
          let v = item;
          while (v.kind === 'casei' || v.kind === 'accenti') v = v.arg;
          const typed = this.#coerced(v, base.type, depth);
          if (typed.kind !== 'value') throw filterError('The values of an IN list are literals, e.g. loai IN (\'Sông\', \'Suối\').');
          return typed.value;
        });
        return { op: 'in', value, list, type: base.type, fold: folds };
      }
      case 'isNull':
        return { op: 'isNull', value: this.#scalar(c.value, depth) };
      case 'spatial':
        return { op: 'spatial', relation: c.relation, left: this.#geometry(c.left), right: this.#geometry(c.right) };
      case 'dwithin':
        if (!Number.isFinite(c.metres) || c.metres < 0 || c.metres > 1_000_000) {
          throw filterError('The distance of S_DWITHIN is a number of metres between 0 and 1 000 000.');
        }
        return { op: 'dwithin', left: this.#geometry(c.left), right: this.#geometry(c.right), metres: c.metres };
      case 'ids':
        if (c.fids.length > this.#limits.maxListItems) throw filterTooComplex(`At most ${this.#limits.maxListItems} feature ids.`);
        this.#count(c.fids.length);
        return c;
    }
  }

  #compare(c: Extract<Condition, { op: 'compare' }>, depth: number): CheckedCondition {
    const leftType = this.#staticType(c.left);
    const rightType = this.#staticType(c.right);
    // The property decides what the literal must be; two literals decide between themselves.
    const target: AttributeType = (leftType.fromProperty ? leftType.type : rightType.fromProperty ? rightType.type : (leftType.type ?? rightType.type)) ?? 'text';
    const left = this.#coerced(c.left, target, depth);
    const right = this.#coerced(c.right, target, depth);
    if (left.type !== right.type && !(numeric(left.type) && numeric(right.type))) {
      throw filterError(`${describe(c.left)} (${left.type}) cannot be compared with ${describe(c.right)} (${right.type}).`);
    }
    if (!ordered(target) && c.comparison !== '=' && c.comparison !== '<>') {
      throw filterError(`A boolean is only compared with = or <>; got ${c.comparison}.`);
    }
    return { op: 'compare', comparison: c.comparison, left, right };
  }

  /** The type an operand has by itself, and whether it comes from a property (which then decides). */
  #staticType(e: ScalarExpr): { type: AttributeType | null; fromProperty: boolean } {
    switch (e.kind) {
      case 'property': {
        const type = this.#attributes.get(e.name);
        if (!type) throw this.#unknownProperty(e.name);
        return { type, fromProperty: true };
      }
      case 'casei':
      case 'accenti': {
        const inner = this.#staticType(e.arg);
        return { type: 'text', fromProperty: inner.fromProperty };
      }
      case 'date':
        return { type: 'date', fromProperty: false };
      case 'timestamp':
        return { type: 'datetime', fromProperty: false };
      case 'literal':
        return { type: typeof e.value === 'boolean' ? 'boolean' : typeof e.value === 'number' ? 'number' : null, fromProperty: false };
    }
  }

  /** An operand with no expectation: a property is its column; a literal is typed by what it is. */
  #scalar(e: ScalarExpr, depth: number): TypedScalar {
    const t = this.#staticType(e);
    return this.#coerced(e, t.type ?? 'text', depth);
  }

  /** An operand as a value of `type`: a literal is converted (or refused), a property must already be one. */
  #coerced(e: ScalarExpr, type: AttributeType, depth: number): TypedScalar {
    if (depth > this.#limits.maxDepth) throw filterTooComplex(`The filter is nested too deeply: at most ${this.#limits.maxDepth} levels.`);
    this.#count();
    switch (e.kind) {
      case 'property': {
        const own = this.#attributes.get(e.name);
        if (!own) throw this.#unknownProperty(e.name);
        return { kind: 'column', name: e.name, type: own };
      }
      case 'casei':
      case 'accenti': {
        const arg = this.#coerced(e.arg, 'text', depth + 1);
        if (arg.type !== 'text') throw filterError(`${e.kind.toUpperCase()} applies to text; ${describe(e.arg)} is ${arg.type}.`);
        return { kind: 'fold', fold: e.kind, arg, type: 'text' };
      }
      case 'date': {
        if (type !== 'date') throw filterError(`DATE('${clip(e.value, 30)}') is a date; it is compared here with ${typeHints[type]}.`);
        return this.#literal(e.value, 'date');
      }
      case 'timestamp': {
        if (type !== 'datetime') throw filterError(`TIMESTAMP('${clip(e.value, 30)}') is a time; it is compared here with ${typeHints[type]}.`);
        return this.#literal(e.value, 'datetime');
      }
      case 'literal': {
        const v = e.value;
        if (typeof v === 'boolean') {
          if (type !== 'boolean') throw filterError(`${v} is a boolean; expected ${typeHints[type]}.`);
          return { kind: 'value', value: v, type };
        }
        if (typeof v === 'number') {
          if (!numeric(type)) throw filterError(`${v} is a number; expected ${typeHints[type]}.`);
          if (type === 'integer' && !Number.isSafeInteger(v)) throw filterError(`${v} is not a whole number; expected ${typeHints[type]}.`);
          return { kind: 'value', value: type === 'integer' ? String(v) : v, type };
        }
        // A quoted string stands for any type it can be read as: GDAL and others send times and dates that way.
        return this.#literal(v, type);
      }
    }
  }

  #literal(text: string, type: AttributeType): TypedScalar {
    const value = coerceAttributeValue(type, text);
    if (value === null) throw filterError(`'${clip(text, 40)}' is not ${typeHints[type]}.`);
    return { kind: 'value', value, type };
  }

  #geometry(e: GeometryExpr): TypedGeometry {
    this.#count();
    if (e.kind === 'property') {
      if (!this.opts.geometryNames.includes(e.name)) {
        if (this.#attributes.has(e.name)) throw filterError(`'${e.name}' is not a geometry; spatial functions take ${this.opts.geometryNames.join(' or ')} and a geometry literal.`);
        throw this.#unknownProperty(e.name);
      }
      return { kind: 'column' };
    }
    if (e.kind === 'envelope') {
      const [a, b, c, d] = e.bbox;
      if (![a, b, c, d].every(Number.isFinite) || a > c || b > d) {
        throw filterError('A bounding box is four finite numbers, lower corner first.');
      }
      return e;
    }
    this.#vertices += countPositions(e.geometry, 0, this.#limits.maxVertices - this.#vertices);
    return { kind: 'geometry', geojson: JSON.stringify(e.geometry), crs: e.crs };
  }
}

const positionDepth: Record<string, number> = {
  Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3,
};

/** Checks a geometry literal's structure (the database will read it) and counts its positions. */
function countPositions(g: GeoJsonGeometryLiteral, nesting: number, budget: number): number {
  if (nesting > 4) throw filterError('Geometry collections may not be nested this deeply.');
  if (g.type === 'GeometryCollection') {
    if (!Array.isArray(g.geometries) || g.geometries.length === 0) throw filterError('A GEOMETRYCOLLECTION needs at least one geometry.');
    let n = 0;
    for (const child of g.geometries) n += countPositions(child, nesting + 1, budget - n);
    return n;
  }
  const depth = positionDepth[g.type];
  if (depth === undefined) throw filterError(`Unknown geometry type '${clip(String(g.type), 30)}'.`);
  let n = 0;
  const walk = (node: unknown, d: number) => {
    if (!Array.isArray(node)) throw filterError(`Malformed ${g.type} coordinates.`);
    if (d === 0) {
      if (node.length < 2 || node.length > 3 || !node.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw filterError(`A position in a ${g.type} is two (or three) finite numbers.`);
      }
      if (++n > budget) throw filterTooComplex(`Geometry literals may have at most ${DEFAULT_CONDITION_LIMITS.maxVertices} positions in all.`);
      return;
    }
    if (node.length === 0) throw filterError(`An empty part in a ${g.type}.`);
    for (const child of node) walk(child, d - 1);
  };
  walk(g.coordinates, depth);
  return n;
}

function isTextValue(t: TypedScalar): boolean {
  if (t.kind === 'fold') return isTextValue(t.arg);
  return t.kind === 'value' && typeof t.value === 'string';
}

function describe(e: ScalarExpr): string {
  switch (e.kind) {
    case 'property':
      return `'${clip(e.name, 40)}'`;
    case 'literal':
      return typeof e.value === 'string' ? `'${clip(e.value, 40)}'` : String(e.value);
    case 'date':
      return `DATE('${clip(e.value, 30)}')`;
    case 'timestamp':
      return `TIMESTAMP('${clip(e.value, 30)}')`;
    case 'casei':
    case 'accenti':
      return `${e.kind.toUpperCase()}(${describe(e.arg)})`;
  }
}

/** Holds a parsed filter against the layer: allowlisted properties, typed literals, size limits. */
export function checkCondition(layer: Pick<Layer, 'id' | 'attributes'>, condition: Condition, opts: CheckOptions): CheckedCondition {
  return new Checker(layer, opts).check(condition, 1);
}

/** The CRS a geometry literal is in when the client does not say (CQL2 and GeoJSON default). */
export const DEFAULT_FILTER_CRS = CRS84;
