// CQL2 text (OGC 21-065r2) → the provider's filter tree, by recursive descent over the tokens. What it reads:
// AND/OR/NOT, comparisons, LIKE, BETWEEN, IN, IS NULL, CASEI/ACCENTI, DATE/TIMESTAMP, the S_ spatial functions
// with WKT and BBOX literals, TRUE/FALSE. Any other function (GeoServer's strSubstring, exec…) is an error, never
// a name looked up anywhere: the grammar has no way to call code.
import type { Comparison, Condition, GeoJsonGeometryLiteral, GeometryExpr, ScalarExpr, SpatialRelation } from '../../features/condition.ts';
import { spatialRelations } from '../../features/condition.ts';
import type { CrsDefinition } from '../../features/crs.ts';
import { cql2Error, filterTooComplex, MAX_FILTER_LENGTH, MAX_PARSE_DEPTH } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

const comparisons = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const keywords = new Set(['and', 'or', 'not', 'like', 'ilike', 'between', 'in', 'is', 'null', 'true', 'false']);
const geometryTypes = new Set(['point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'bbox']);
const supportedFunctions = 'CASEI, ACCENTI, DATE, TIMESTAMP, S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS, S_CROSSES, S_CONTAINS, S_DWITHIN';

type Position = number[];

class Parser {
  #i = 0;
  #depth = 0;

  constructor(private readonly tokens: Token[], private readonly crs: CrsDefinition) {}

  get #token(): Token {
    return this.tokens[this.#i]!;
  }

  #peek(offset = 1): Token {
    return this.tokens[Math.min(this.#i + offset, this.tokens.length - 1)]!;
  }

  #next(): Token {
    const t = this.#token;
    if (t.type !== 'end') this.#i++;
    return t;
  }

  #isKeyword(word: string, t: Token = this.#token): boolean {
    return t.type === 'identifier' && t.text.toLowerCase() === word;
  }

  #accept(word: string): boolean {
    if (!this.#isKeyword(word)) return false;
    this.#i++;
    return true;
  }

  #isSymbol(s: string, t: Token = this.#token): boolean {
    return t.type === 'symbol' && t.text === s;
  }

  #expectSymbol(s: string, what: string): void {
    if (!this.#isSymbol(s)) throw this.#unexpected(`'${s}' ${what}`);
    this.#i++;
  }

  #unexpected(expected: string): Error {
    const t = this.#token;
    const got = t.type === 'end' ? 'the end of the filter' : t.type === 'string' ? `'${t.text.slice(0, 30)}'` : `'${t.text.slice(0, 30)}'`;
    return cql2Error(`expected ${expected} at character ${t.position}, found ${got}.`);
  }

  #enter(): void {
    if (++this.#depth > MAX_PARSE_DEPTH) {
      throw filterTooComplex(`The filter is nested too deeply (more than ${MAX_PARSE_DEPTH} levels).`);
    }
  }

  #leave(): void {
    this.#depth--;
  }

  parse(): Condition {
    const c = this.#or();
    if (this.#token.type !== 'end') throw this.#unexpected('AND, OR or the end of the filter');
    return c;
  }

  // Chains of AND / OR are read in a loop into one node: 2 000 ANDs are wide, not deep.
  #or(): Condition {
    const args = [this.#and()];
    while (this.#accept('or')) args.push(this.#and());
    return args.length === 1 ? args[0]! : { op: 'or', args };
  }

  #and(): Condition {
    const args = [this.#not()];
    while (this.#accept('and')) args.push(this.#not());
    return args.length === 1 ? args[0]! : { op: 'and', args };
  }

  #not(): Condition {
    if (this.#accept('not')) {
      this.#enter();
      const arg = this.#not();
      this.#leave();
      return { op: 'not', arg };
    }
    return this.#primary();
  }

  #primary(): Condition {
    const t = this.#token;
    if (this.#isSymbol('(')) {
      this.#enter();
      this.#i++;
      const c = this.#or();
      this.#expectSymbol(')', 'to close the parenthesis');
      this.#leave();
      return c;
    }
    if (t.type === 'identifier' && this.#isSymbol('(', this.#peek())) {
      const name = t.text.toLowerCase();
      if (name.startsWith('s_')) return this.#spatial();
    }
    if ((this.#isKeyword('true') || this.#isKeyword('false')) && !this.#startsPredicateOperator(this.#peek())) {
      this.#i++;
      return { op: 'boolean', value: t.text.toLowerCase() === 'true' };
    }
    return this.#predicate();
  }

  #startsPredicateOperator(t: Token): boolean {
    return (t.type === 'symbol' && comparisons.has(t.text)) || ['like', 'ilike', 'between', 'in', 'is', 'not'].some((k) => this.#isKeyword(k, t));
  }

  #predicate(): Condition {
    const left = this.#scalar();
    const t = this.#token;
    if (t.type === 'symbol' && comparisons.has(t.text)) {
      this.#i++;
      return { op: 'compare', comparison: t.text as Comparison, left, right: this.#scalar() };
    }
    if (this.#accept('is')) {
      const negated = this.#accept('not');
      if (!this.#accept('null')) throw this.#unexpected('NULL after IS');
      const c: Condition = { op: 'isNull', value: left };
      return negated ? { op: 'not', arg: c } : c;
    }
    const negated = this.#accept('not');
    let c: Condition;
    if (this.#accept('like')) {
      c = { op: 'like', value: left, pattern: this.#scalar() };
    } else if (this.#accept('ilike')) {
      // Not CQL2 but what GDAL's OAPIF driver sends for ILIKE: the same as CASEI on both sides.
      c = { op: 'like', value: { kind: 'casei', arg: left }, pattern: { kind: 'casei', arg: this.#scalar() } };
    } else if (this.#accept('between')) {
      const lower = this.#scalar();
      if (!this.#accept('and')) throw this.#unexpected('AND between the two bounds of BETWEEN');
      c = { op: 'between', value: left, lower, upper: this.#scalar() };
    } else if (this.#accept('in')) {
      this.#expectSymbol('(', 'to open the IN list');
      const list = [this.#scalar()];
      while (this.#isSymbol(',')) {
        this.#i++;
        list.push(this.#scalar());
      }
      this.#expectSymbol(')', 'to close the IN list');
      c = { op: 'in', value: left, list };
    } else {
      throw this.#unexpected(negated ? 'LIKE, BETWEEN or IN after NOT' : 'a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL');
    }
    return negated ? { op: 'not', arg: c } : c;
  }

  #scalar(): ScalarExpr {
    const t = this.#token;
    if (t.type === 'string') {
      this.#i++;
      return { kind: 'literal', value: t.text };
    }
    if (t.type === 'number') {
      this.#i++;
      const n = Number(t.text);
      if (!Number.isFinite(n)) throw cql2Error(`the number ${t.text.slice(0, 30)} at character ${t.position} is out of range.`);
      return { kind: 'literal', value: n };
    }
    if (t.type === 'quoted') {
      this.#i++;
      return { kind: 'property', name: t.text };
    }
    if (t.type === 'identifier') {
      const lower = t.text.toLowerCase();
      if (this.#isSymbol('(', this.#peek())) return this.#scalarFunction();
      if (lower === 'true' || lower === 'false') {
        this.#i++;
        return { kind: 'literal', value: lower === 'true' };
      }
      if (keywords.has(lower)) throw this.#unexpected('a property name or a value');
      this.#i++;
      return { kind: 'property', name: t.text };
    }
    throw this.#unexpected('a property name or a value');
  }

  #scalarFunction(): ScalarExpr {
    const t = this.#next();
    const name = t.text.toLowerCase();
    this.#enter();
    this.#expectSymbol('(', `after ${t.text}`);
    let e: ScalarExpr;
    if (name === 'casei' || name === 'accenti') {
      e = { kind: name, arg: this.#scalar() };
    } else if (name === 'date' || name === 'timestamp') {
      const value = this.#token;
      if (value.type !== 'string') throw this.#unexpected(`a quoted ${name === 'date' ? 'date' : 'time'} inside ${t.text.toUpperCase()}()`);
      this.#i++;
      e = { kind: name, value: value.text };
    } else {
      throw cql2Error(`'${t.text.slice(0, 40)}' at character ${t.position} is not a function this server knows. Functions: ${supportedFunctions}.`);
    }
    this.#expectSymbol(')', `to close ${t.text}(`);
    this.#leave();
    return e;
  }

  #spatial(): Condition {
    const t = this.#next();
    const name = t.text.toLowerCase().slice(2);
    this.#enter();
    this.#expectSymbol('(', `after ${t.text}`);
    const left = this.#geometryExpr();
    this.#expectSymbol(',', `between the arguments of ${t.text}`);
    const right = this.#geometryExpr();
    let c: Condition;
    if (name === 'dwithin') {
      this.#expectSymbol(',', 'before the distance of S_DWITHIN (metres)');
      const d = this.#token;
      if (d.type !== 'number') throw this.#unexpected('a distance in metres');
      this.#i++;
      c = { op: 'dwithin', left, right, metres: Number(d.text) };
    } else if ((spatialRelations as readonly string[]).includes(name)) {
      c = { op: 'spatial', relation: name as SpatialRelation, left, right };
    } else {
      throw cql2Error(`'${t.text.slice(0, 40)}' at character ${t.position} is not a spatial function this server knows. Functions: ${supportedFunctions}.`);
    }
    this.#expectSymbol(')', `to close ${t.text}(`);
    this.#leave();
    return c;
  }

  #geometryExpr(): GeometryExpr {
    const t = this.#token;
    if (t.type === 'quoted') {
      this.#i++;
      return { kind: 'property', name: t.text };
    }
    if (t.type !== 'identifier') throw this.#unexpected('a geometry property or a geometry literal (POINT, POLYGON, BBOX, …)');
    const lower = t.text.toLowerCase();
    const next = this.#peek();
    const isLiteral = geometryTypes.has(lower) && (this.#isSymbol('(', next) || this.#isKeyword('z', next));
    if (!isLiteral) {
      if (this.#isSymbol('(', next)) {
        throw cql2Error(`'${t.text.slice(0, 40)}' at character ${t.position} is not a function this server knows. Functions: ${supportedFunctions}.`);
      }
      this.#i++;
      return { kind: 'property', name: t.text };
    }
    if (lower === 'bbox') {
      this.#i++;
      this.#expectSymbol('(', 'after BBOX');
      const n = this.#numbers();
      this.#expectSymbol(')', 'to close BBOX(');
      if (n.length !== 4 && n.length !== 6) throw cql2Error(`BBOX at character ${t.position} takes 4 numbers (or 6 with heights), got ${n.length}.`);
      const bbox: [number, number, number, number] = n.length === 4 ? [n[0]!, n[1]!, n[2]!, n[3]!] : [n[0]!, n[1]!, n[3]!, n[4]!];
      return { kind: 'envelope', bbox, crs: this.crs };
    }
    return { kind: 'geometry', geometry: this.#wkt(), crs: this.crs };
  }

  #numbers(): number[] {
    const out: number[] = [];
    for (;;) {
      const t = this.#token;
      if (t.type !== 'number') throw this.#unexpected('a number');
      this.#i++;
      out.push(Number(t.text));
      if (!this.#isSymbol(',')) return out;
      this.#i++;
    }
  }

  // Well-known text, as CQL2 writes geometry literals.
  #wkt(): GeoJsonGeometryLiteral {
    const t = this.#next();
    const type = t.text.toLowerCase();
    this.#enter();
    this.#accept('z');
    let g: GeoJsonGeometryLiteral;
    switch (type) {
      case 'point':
        this.#expectSymbol('(', 'after POINT');
        g = { type: 'Point', coordinates: this.#position() };
        this.#expectSymbol(')', 'to close POINT(');
        break;
      case 'linestring':
        g = { type: 'LineString', coordinates: this.#positions() };
        break;
      case 'polygon':
        g = { type: 'Polygon', coordinates: this.#rings() };
        break;
      case 'multipoint': {
        this.#expectSymbol('(', 'after MULTIPOINT');
        const points: Position[] = [];
        do {
          if (this.#isSymbol(',')) this.#i++;
          if (this.#isSymbol('(')) {
            this.#i++;
            points.push(this.#position());
            this.#expectSymbol(')', 'to close a point of MULTIPOINT');
          } else {
            points.push(this.#position());
          }
        } while (this.#isSymbol(','));
        this.#expectSymbol(')', 'to close MULTIPOINT(');
        g = { type: 'MultiPoint', coordinates: points };
        break;
      }
      case 'multilinestring':
        g = { type: 'MultiLineString', coordinates: this.#list(() => this.#positions(), 'MULTILINESTRING') };
        break;
      case 'multipolygon':
        g = { type: 'MultiPolygon', coordinates: this.#list(() => this.#rings(), 'MULTIPOLYGON') };
        break;
      case 'geometrycollection':
        g = {
          type: 'GeometryCollection',
          geometries: this.#list(() => {
            const m = this.#token;
            if (m.type !== 'identifier' || !geometryTypes.has(m.text.toLowerCase()) || m.text.toLowerCase() === 'bbox') {
              throw this.#unexpected('a geometry inside GEOMETRYCOLLECTION');
            }
            return this.#wkt();
          }, 'GEOMETRYCOLLECTION'),
        };
        break;
      default:
        throw this.#unexpected('a geometry type');
    }
    this.#leave();
    return g;
  }

  #position(): Position {
    const out: number[] = [];
    while (this.#token.type === 'number' && out.length < 3) {
      out.push(Number(this.#next().text));
    }
    if (out.length < 2) throw this.#unexpected('a position (two numbers separated by a space)');
    return out;
  }

  #positions(): Position[] {
    return this.#list(() => this.#position(), 'the coordinate list');
  }

  #rings(): Position[][] {
    return this.#list(() => this.#positions(), 'the rings');
  }

  #list<T>(item: () => T, what: string): T[] {
    this.#enter();
    this.#expectSymbol('(', `to open ${what}`);
    const out = [item()];
    while (this.#isSymbol(',')) {
      this.#i++;
      out.push(item());
    }
    this.#expectSymbol(')', `to close ${what}`);
    this.#leave();
    return out;
  }
}

/** Parses a CQL2 text filter; geometry literals are taken to be in `crs` (filter-crs, CRS84 by default). */
export function parseCql2Text(text: string, crs: CrsDefinition): Condition {
  if (text.length > MAX_FILTER_LENGTH) throw filterTooComplex(`A filter may be at most ${MAX_FILTER_LENGTH} characters long.`);
  if (text.trim() === '') throw cql2Error('the filter is empty.');
  return new Parser(tokenize(text), crs).parse();
}
