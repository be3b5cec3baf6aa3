// Proposed layer attribute names from DBF (10 characters, often upper case, sometimes Vietnamese) and GeoJSON names.
// The rule is the catalog's: ^[a-z][a-z0-9_]{0,62}$ and not a system column.
import { reservedColumns } from '../server/catalog/attributes.ts';

const MAX_LENGTH = 63;

/** "Tên_Xã" → "ten_xa", "2019 Dân số" → "f_2019_dan_so". */
export function toAttributeName(sourceName: string): string {
  let s = sourceName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (s === '') s = 'field';
  if (!/^[a-z]/.test(s)) s = `f_${s}`;
  return s.slice(0, MAX_LENGTH).replace(/_+$/, '');
}

/**
 * One proposed name per source name, in order: unique, valid, not reserved. A reserved name keeps its meaning with a
 * suffix ("fid" → "fid_src"); later duplicates get _2, _3…
 */
export function proposeAttributeNames(sourceNames: string[]): string[] {
  const taken = new Set<string>();
  return sourceNames.map((source) => {
    let base = toAttributeName(source);
    if (reservedColumns.includes(base)) base = `${base}_src`;
    let name = base;
    for (let i = 2; taken.has(name) || reservedColumns.includes(name); i++) {
      const suffix = `_${i}`;
      name = base.slice(0, MAX_LENGTH - suffix.length) + suffix;
    }
    taken.add(name);
    return name;
  });
}
