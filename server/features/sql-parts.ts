// Pieces every SQL builder of the provider shares: identifier quoting, the numbered parameter list and the column
// type of each attribute type. Kept apart so the builders can use each other without an import cycle.
import type { AttributeType } from '../catalog/attributes.ts';

export interface SqlQuery {
  text: string;
  values: unknown[];
}

export const sqlTypes: Record<AttributeType, string> = {
  text: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal for text that comes from the catalog (a layer id), never from a request. */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new Error('NUL in an SQL literal');
  return `'${text.replace(/'/g, "''")}'`;
}

export class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
