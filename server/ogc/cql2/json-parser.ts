// CQL2 JSON (OGC 21-065r2, clause 8) → the provider's filter tree. `{"op": …, "args": […]}` nodes, property
// references `{"property": …}`, `{"date": …}`, `{"timestamp": …}`, `{"bbox": […]}` and GeoJSON geometries.
import type { Comparison, Condition, GeoJsonGeometryLiteral, GeometryExpr, ScalarExpr, SpatialRelation } from '../../features/condition.ts';
import { spatialRelations } from '../../features/condition.ts';
import type { CrsDefinition } from '../../features/crs.ts';
import { cql2Error, filterTooComplex, MAX_FILTER_LENGTH, MAX_PARSE_DEPTH } from './errors.ts';

const jsonError = (message: string) => cql2Error(`(CQL2 JSON) ${message}`);
const comparisons = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const geometryTypes = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: Json) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

class JsonParser {
  constructor(private readonly crs: CrsDefinition) {}

  #guard(depth: number): void {
    if (depth > MAX_PARSE_DEPTH) throw filterTooComplex(`The filter is nested too deeply (more than ${MAX_PARSE_DEPTH} levels).`);
  }

  #args(node: Record<string, Json>, op: string, count?: number): Json[] {
    const args = node.args;
    if (!Array.isArray(args)) throw jsonError(`"${op}" needs an "args" array.`);
    if (count !== undefined && args.length !== count) throw jsonError(`"${op}" takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}.`);
    return args;
  }

  condition(node: Json, depth: number): Condition {
    this.#guard(depth);
    if (typeof node === 'boolean') return { op: 'boolean', value: node };
    if (!isObject(node) || typeof node.op !== 'string') throw jsonError(`expected a predicate {"op": …, "args": […]}, got ${show(node)}.`);
    const op = node.op.toLowerCase();
    if (op === 'and' || op === 'or') {
      const args = this.#args(node, op);
      if (args.length < 2) throw jsonError(`"${op}" takes at least two arguments.`);
      return { op, args: args.map((a) => this.condition(a, depth + 1)) };
    }
    if (op === 'not') return { op: 'not', arg: this.condition(this.#args(node, op, 1)[0], depth + 1) };
    if (comparisons.has(op)) {
      const [a, b] = this.#args(node, op, 2);
      return { op: 'compare', comparison: op as Comparison, left: this.scalar(a, depth + 1), right: this.scalar(b, depth + 1) };
    }
    if (op === 'like') {
      const [a, b] = this.#args(node, op, 2);
      return { op: 'like', value: this.scalar(a, depth + 1), pattern: this.scalar(b, depth + 1) };
    }
    if (op === 'between') {
      const [a, b, c] = this.#args(node, op, 3);
      return { op: 'between', value: this.scalar(a, depth + 1), lower: this.scalar(b, depth + 1), upper: this.scalar(c, depth + 1) };
    }
    if (op === 'in') {
      const [a, b] = this.#args(node, op, 2);
      if (!Array.isArray(b)) throw jsonError('the second argument of "in" is an array of values.');
      return { op: 'in', value: this.scalar(a, depth + 1), list: b.map((v) => this.scalar(v, depth + 1)) };
    }
    if (op === 'isnull') return { op: 'isNull', value: this.scalar(this.#args(node, op, 1)[0], depth + 1) };
    if (op === 's_dwithin') {
      const [a, b, d] = this.#args(node, op, 3);
      if (typeof d !== 'number') throw jsonError('the third argument of "s_dwithin" is a distance in metres.');
      return { op: 'dwithin', left: this.geometry(a, depth + 1), right: this.geometry(b, depth + 1), metres: d };
    }
    if (op.startsWith('s_') && (spatialRelations as readonly string[]).includes(op.slice(2))) {
      const [a, b] = this.#args(node, op, 2);
      return { op: 'spatial', relation: op.slice(2) as SpatialRelation, left: this.geometry(a, depth + 1), right: this.geometry(b, depth + 1) };
    }
    throw jsonError(`"${node.op.slice(0, 40)}" is not an operator this server knows.`);
  }

  scalar(node: Json, depth: number): ScalarExpr {
    this.#guard(depth);
    if (typeof node === 'string' || typeof node === 'boolean') return { kind: 'literal', value: node };
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw jsonError('numbers must be finite.');
      return { kind: 'literal', value: node };
    }
    if (isObject(node)) {
      if (typeof node.property === 'string') return { kind: 'property', name: node.property };
      if (typeof node.date === 'string') return { kind: 'date', value: node.date };
      if (typeof node.timestamp === 'string') return { kind: 'timestamp', value: node.timestamp };
      if (typeof node.op === 'string') {
        const op = node.op.toLowerCase();
        if (op === 'casei' || op === 'accenti') return { kind: op, arg: this.scalar(this.#args(node, op, 1)[0], depth + 1) };
        throw jsonError(`"${node.op.slice(0, 40)}" is not a function this server knows (functions: casei, accenti).`);
      }
    }
    throw jsonError(`expected a property, a value, a date or a timestamp, got ${show(node)}.`);
  }

  geometry(node: Json, depth: number): GeometryExpr {
    this.#guard(depth);
    if (!isObject(node)) throw jsonError(`expected a geometry (a property, a GeoJSON geometry or a bbox), got ${show(node)}.`);
    if (typeof node.property === 'string') return { kind: 'property', name: node.property };
    if (Array.isArray(node.bbox)) {
      const b = node.bbox;
      if ((b.length !== 4 && b.length !== 6) || !b.every((n) => typeof n === 'number')) throw jsonError('a bbox is 4 (or 6) numbers.');
      const n = b as number[];
      const bbox: [number, number, number, number] = n.length === 4 ? [n[0]!, n[1]!, n[2]!, n[3]!] : [n[0]!, n[1]!, n[3]!, n[4]!];
      return { kind: 'envelope', bbox, crs: this.crs };
    }
    if (typeof node.type === 'string' && geometryTypes.has(node.type)) {
      return { kind: 'geometry', geometry: node as unknown as GeoJsonGeometryLiteral, crs: this.crs };
    }
    throw jsonError(`expected a geometry (a property, a GeoJSON geometry or a bbox), got ${show(node)}.`);
  }
}

/** Parses a CQL2 JSON filter (text as sent in the `filter` parameter). */
export function parseCql2Json(text: string, crs: CrsDefinition): Condition {
  if (text.length > MAX_FILTER_LENGTH) throw filterTooComplex(`A filter may be at most ${MAX_FILTER_LENGTH} characters long.`);
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw jsonError(`the filter is not valid JSON (${(err as Error).message.slice(0, 80)}).`);
  }
  return new JsonParser(crs).condition(json, 1);
}
