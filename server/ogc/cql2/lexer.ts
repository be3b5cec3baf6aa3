// CQL2 text, cut into tokens. Anything that is not part of the language — `;`, comments (`--`, `/*`), stray
// quotes, backticks — stops here with the position, so it never reaches the parser, let alone SQL.
import { cql2Error } from './errors.ts';

export type TokenType = 'identifier' | 'quoted' | 'string' | 'number' | 'symbol' | 'end';

export interface Token {
  type: TokenType;
  /** The identifier (as written), the string's content (quotes removed), the number's text or the symbol. */
  text: string;
  /** 1-based character position, for messages. */
  position: number;
}

const symbols = ['<=', '>=', '<>', '=', '<', '>', '(', ')', ','];

const isIdentifierStart = (c: string) => /[\p{L}_:]/u.test(c);
const isIdentifierPart = (c: string) => /[\p{L}\p{N}_:.]/u.test(c);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const position = i + 1;
    if (c === "'") {
      // A quote inside a string is written twice: 'Nà Giàng''s' (CQL2, as in SQL).
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw cql2Error(`a string that starts at character ${position} is never closed (missing ').`);
        const ch = text[i]!;
        if (ch === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ type: 'string', text: value, position });
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw cql2Error(`a quoted property name that starts at character ${position} is never closed (missing ").`);
      tokens.push({ type: 'quoted', text: text.slice(i + 1, end), position });
      i = end + 1;
      continue;
    }
    const number = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    // A sign is part of a number only where an operand starts (after an operator, '(' or ',', or at the start).
    const previous = tokens[tokens.length - 1];
    const signAllowed = !previous || previous.type === 'symbol' && previous.text !== ')' || previous.type === 'identifier' && /^(and|or|not|like|between|in|is)$/i.test(previous.text);
    if (number && (/\d|\./.test(c) || signAllowed)) {
      tokens.push({ type: 'number', text: number[0], position });
      i += number[0].length;
      continue;
    }
    const symbol = symbols.find((s) => text.startsWith(s, i));
    if (symbol) {
      tokens.push({ type: 'symbol', text: symbol, position });
      i += symbol.length;
      continue;
    }
    if (isIdentifierStart(c)) {
      let j = i + 1;
      while (j < text.length && isIdentifierPart(text[j]!)) j++;
      tokens.push({ type: 'identifier', text: text.slice(i, j), position });
      i = j;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') throw cql2Error(`comments are not part of CQL2 (character ${position}).`);
    if (c === '/' && text[i + 1] === '*') throw cql2Error(`comments are not part of CQL2 (character ${position}).`);
    throw cql2Error(`unexpected character '${c}' at character ${position}.`);
  }
  tokens.push({ type: 'end', text: '', position: text.length + 1 });
  return tokens;
}
