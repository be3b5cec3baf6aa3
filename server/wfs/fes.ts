// Filter Encoding 2.0 (fes:Filter) → the provider's filter tree: comparisons (matchCase), PropertyIsLike with its
// own wildcard characters, PropertyIsNull/Nil, PropertyIsBetween, And/Or/Not, BBOX and the other spatial
// operators with GML literals, DWithin in metres, ResourceId. A ValueReference is a property name (an XPath of one
// step, prefix ignored); anything else there — functions (GeoServer CVE-2024-36401, CVE-2023-25157), predicates,
// attributes — is refused, and fes:Function is not supported at all. The checker then holds names to the layer.
import type { Comparison, Condition, GeometryExpr, ScalarExpr, SpatialRelation } from '../features/condition.ts';
import type { CrsDefinition } from '../features/crs.ts';
import { GML_GEOMETRY_PROPERTY } from '../features/gml-sql.ts';
import { WfsError } from './exceptions.ts';
import { gmlGeometry } from './gml-geometry.ts';
import { child, type XmlElement } from './xml.ts';

const comparisons: Record<string, Comparison> = {
  PropertyIsEqualTo: '=',
  PropertyIsNotEqualTo: '<>',
  PropertyIsLessThan: '<',
  PropertyIsGreaterThan: '>',
  PropertyIsLessThanOrEqualTo: '<=',
  PropertyIsGreaterThanOrEqualTo: '>=',
};

const spatial: Record<string, SpatialRelation> = {
  Intersects: 'intersects',
  Within: 'within',
  Contains: 'contains',
  Disjoint: 'disjoint',
  Equals: 'equals',
  Touches: 'touches',
  Overlaps: 'overlaps',
  Crosses: 'crosses',
};

export const FES_COMPARISON_OPERATORS = [...Object.keys(comparisons), 'PropertyIsLike', 'PropertyIsNull', 'PropertyIsNil', 'PropertyIsBetween'];
export const FES_SPATIAL_OPERATORS = ['BBOX', ...Object.keys(spatial), 'DWithin'];

const invalid = (message: string) => new WfsError('InvalidParameterValue', message, 'filter');
const MAX_DEPTH = 40;

/** `cb:ten`, `ten`, `cb:giao_thong.quoc_lo/cb:ten` → `ten`. Anything else is not a property name. */
export function propertyName(reference: string): string {
  const steps = reference.trim().split('/');
  const last = steps[steps.length - 1]!;
  const name = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : last;
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || steps.length > 2) {
    throw new WfsError('InvalidParameterValue', `ValueReference '${reference.slice(0, 60)}' is not a property name of this feature type (XPath functions and predicates are not supported).`, 'filter');
  }
  return name;
}

interface FesContext {
  /** The CRS of geometry literals without a srsName. */
  crs: CrsDefinition;
  /** Only ids of this type name select anything. */
  typeName: string;
}

function operands(el: XmlElement): XmlElement[] {
  for (const c of el.children) {
    if (c.name === 'Function') throw invalid('fes:Function is not supported by this server.');
    if (c.name !== 'ValueReference' && c.name !== 'Literal' && c.name !== 'PropertyName') {
      throw invalid(`fes:${c.name.slice(0, 40)} is not an operand this server supports in fes:${el.name}.`);
    }
  }
  return el.children;
}

function scalar(el: XmlElement, matchCase: boolean): ScalarExpr {
  if (el.children.length > 0) throw invalid(`fes:${el.name} holds text only, not elements.`);
  const e: ScalarExpr = el.name === 'Literal' ? { kind: 'literal', value: el.text } : { kind: 'property', name: propertyName(el.text) };
  return matchCase ? e : { kind: 'casei', arg: e };
}

const matchCaseOf = (el: XmlElement) => el.attrs.matchCase !== 'false';

/** A FES LIKE pattern (its own wildcard, single-character and escape characters) → SQL LIKE with \ escapes. */
export function likePattern(text: string, wildCard: string, singleChar: string, escapeChar: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escapeChar && i + 1 < text.length) {
      const next = text[++i]!;
      out += /[%_\\]/.test(next) ? `\\${next}` : next;
    } else if (c === wildCard) out += '%';
    else if (c === singleChar) out += '_';
    else out += /[%_\\]/.test(c) ? `\\${c}` : c;
  }
  return out;
}

function geometryOperand(el: XmlElement | undefined, ctx: FesContext, op: string): GeometryExpr {
  if (!el) throw invalid(`fes:${op} needs a geometry.`);
  return gmlGeometry(el, ctx.crs);
}

function spatialParts(el: XmlElement, ctx: FesContext): { left: GeometryExpr; right: GeometryExpr } {
  const ref = child(el, 'ValueReference') ?? child(el, 'PropertyName');
  const literal = el.children.find((c) => c.name !== 'ValueReference' && c.name !== 'PropertyName' && c.name !== 'Distance');
  if (literal?.name === 'Function') throw invalid('fes:Function is not supported by this server.');
  return {
    left: { kind: 'property', name: ref ? propertyName(ref.text) : GML_GEOMETRY_PROPERTY },
    right: geometryOperand(literal, ctx, el.name),
  };
}

function distanceInMetres(el: XmlElement | undefined): number {
  if (!el) throw invalid('fes:DWithin needs fes:Distance with a uom.');
  const value = Number(el.text.trim());
  const uom = (el.attrs.uom ?? 'm').toLowerCase();
  const factor = uom === 'm' || uom === 'metre' || uom === 'meter' || uom === 'urn:ogc:def:uom:epsg::9001' ? 1 : uom === 'km' ? 1000 : null;
  if (factor === null || !Number.isFinite(value)) throw invalid('fes:Distance is a number of metres (uom="m") or kilometres (uom="km").');
  return value * factor;
}

function condition(el: XmlElement, ctx: FesContext, depth: number): Condition {
  if (depth > MAX_DEPTH) throw new WfsError('OperationProcessingFailed', `The filter is nested too deeply (more than ${MAX_DEPTH} levels).`, 'filter');
  const name = el.name;
  if (name === 'And' || name === 'Or') {
    if (el.children.length < 1) throw invalid(`fes:${name} needs operands.`);
    return { op: name === 'And' ? 'and' : 'or', args: el.children.map((c) => condition(c, ctx, depth + 1)) };
  }
  if (name === 'Not') {
    if (el.children.length !== 1) throw invalid('fes:Not takes exactly one operand.');
    return { op: 'not', arg: condition(el.children[0]!, ctx, depth + 1) };
  }
  if (name in comparisons) {
    const ops = operands(el);
    if (ops.length !== 2) throw invalid(`fes:${name} takes two operands.`);
    const m = matchCaseOf(el);
    return { op: 'compare', comparison: comparisons[name]!, left: scalar(ops[0]!, m), right: scalar(ops[1]!, m) };
  }
  if (name === 'PropertyIsLike') {
    const ops = operands(el);
    const ref = ops.find((o) => o.name !== 'Literal');
    const lit = ops.find((o) => o.name === 'Literal');
    if (!ref || !lit || ops.length !== 2) throw invalid('fes:PropertyIsLike takes a ValueReference and a Literal.');
    const { wildCard = '*', singleChar = '.', escapeChar = '!' } = el.attrs;
    if ([wildCard, singleChar, escapeChar].some((c) => c.length !== 1)) throw invalid('wildCard, singleChar and escapeChar are one character each.');
    const m = matchCaseOf(el);
    const pattern: ScalarExpr = { kind: 'literal', value: likePattern(lit.text, wildCard, singleChar, escapeChar) };
    return { op: 'like', value: scalar(ref, m), pattern: m ? pattern : { kind: 'casei', arg: pattern } };
  }
  if (name === 'PropertyIsNull' || name === 'PropertyIsNil') {
    const ops = operands(el);
    if (ops.length !== 1 || ops[0]!.name === 'Literal') throw invalid(`fes:${name} takes one ValueReference.`);
    return { op: 'isNull', value: scalar(ops[0]!, true) };
  }
  if (name === 'PropertyIsBetween') {
    const ref = child(el, 'ValueReference') ?? child(el, 'PropertyName');
    const lower = child(el, 'LowerBoundary');
    const upper = child(el, 'UpperBoundary');
    const lowerLit = lower && child(lower, 'Literal');
    const upperLit = upper && child(upper, 'Literal');
    if (!ref || !lowerLit || !upperLit) throw invalid('fes:PropertyIsBetween takes a ValueReference, a LowerBoundary and an UpperBoundary with a Literal each.');
    return { op: 'between', value: scalar(ref, true), lower: scalar(lowerLit, true), upper: scalar(upperLit, true) };
  }
  if (name === 'BBOX') {
    const { left, right } = spatialParts(el, ctx);
    return { op: 'spatial', relation: 'intersects', left, right };
  }
  if (name in spatial) {
    const { left, right } = spatialParts(el, ctx);
    return { op: 'spatial', relation: spatial[name]!, left, right };
  }
  if (name === 'DWithin') {
    const { left, right } = spatialParts(el, ctx);
    return { op: 'dwithin', left, right, metres: distanceInMetres(child(el, 'Distance')) };
  }
  if (name === 'ResourceId') return { op: 'ids', fids: resourceIds([el.attrs.rid ?? ''], ctx.typeName) };
  if (name === 'Function') throw invalid('fes:Function is not supported by this server.');
  throw invalid(`fes:${name.slice(0, 40)} is not a filter operator this server supports.`);
}

/** `giao_thong.quoc_lo.12` (or with a prefix) → 12; ids of another type match nothing. */
export function resourceIds(ids: string[], typeName: string): number[] {
  const out: number[] = [];
  for (const raw of ids) {
    const id = raw.trim().replace(/^[A-Za-z_][\w-]*:/, '');
    const m = /^(.+)\.(\d{1,15})$/.exec(id);
    if (!m) throw invalid(`ResourceId '${raw.slice(0, 60)}' is not a feature id (typeName.number).`);
    if (m[1] === typeName) out.push(Number(m[2]));
  }
  return out;
}

/** A fes:Filter element → the filter tree. */
export function parseFesFilter(filter: XmlElement, ctx: FesContext): Condition {
  if (filter.name !== 'Filter') throw invalid(`Expected fes:Filter, got ${filter.name.slice(0, 40)}.`);
  if (filter.children.length === 0) throw invalid('fes:Filter is empty.');
  // Several ResourceId elements side by side select any of them.
  if (filter.children.every((c) => c.name === 'ResourceId')) {
    return { op: 'ids', fids: resourceIds(filter.children.map((c) => c.attrs.rid ?? ''), ctx.typeName) };
  }
  if (filter.children.length !== 1) throw invalid('fes:Filter holds one operator (combine several with fes:And).');
  return condition(filter.children[0]!, ctx, 1);
}
