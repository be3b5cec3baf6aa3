// XML in and out for WFS. In: fast-xml-parser after a refusal of any DOCTYPE (so no DTD, no entity of any kind
// beyond the five predefined ones, no external entity can be named), a well-formedness check and a nesting limit;
// the result is a small element tree with namespace prefixes removed (one namespace per vocabulary here).
// Out: escaping for text and attributes.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WfsError } from './exceptions.ts';

export interface XmlElement {
  /** Local name (prefix removed). */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content of this element (not of its children). */
  text: string;
}

export const MAX_XML_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type Ordered = Record<string, unknown>;

function convert(node: Ordered, depth: number): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (!name || name === '#text' || name.startsWith('?') || name === '#comment') return null;
  if (depth > MAX_XML_DEPTH) throw new WfsError('OperationParsingFailed', `The XML is nested too deeply (more than ${MAX_XML_DEPTH} levels).`);
  const attrs: Record<string, string> = {};
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(rawAttrs)) if (!k.startsWith('xmlns')) attrs[k] = String(v);
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[name] as Ordered[]) ?? []) {
    if ('#text' in child) text += String(child['#text']);
    else {
      const el = convert(child, depth + 1);
      if (el) children.push(el);
    }
  }
  return { name, attrs, children, text };
}

/** Nesting depth of a document, counted cheaply before the parser builds anything. */
function nesting(text: string): number {
  let depth = 0;
  let max = 0;
  const tag = /<(\/?)[A-Za-z_][^>]*?(\/?)>/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[1]) depth--;
    else if (!m[2]) max = Math.max(max, ++depth);
  }
  return max;
}

/** The root element of an XML request body or FILTER parameter. */
export function parseXml(text: string, what: string): XmlElement {
  // A DOCTYPE is the only way to declare entities (internal: billion laughs; external: file and network reads).
  // WFS requests never need one, so any is refused before a parser sees the text.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    throw new WfsError('OperationParsingFailed', `${what}: DOCTYPE and ENTITY declarations are not accepted.`);
  }
  if (nesting(text) > MAX_XML_DEPTH) throw new WfsError('OperationParsingFailed', `${what}: the XML is nested too deeply (more than ${MAX_XML_DEPTH} levels).`);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new WfsError('OperationParsingFailed', `${what} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).`);
  }
  let parsed: Ordered[];
  try {
    parsed = parser.parse(text) as Ordered[];
  } catch (err) {
    throw new WfsError('OperationParsingFailed', `${what} could not be parsed: ${(err as Error).message.slice(0, 200)}`);
  }
  for (const node of parsed) {
    const el = convert(node, 1);
    if (el) return el;
  }
  throw new WfsError('OperationParsingFailed', `${what} has no root element.`);
}

export function escapeXml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

export const child = (el: XmlElement, name: string) => el.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);
