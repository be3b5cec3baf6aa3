// Which source field fills which layer attribute. DBF field names are at most 10 characters, upper case, so
// `TEN_DON_VI` must find `ten_don_vi_quan_ly`; the editor's choice (field_map) wins over every guess.
import type { Attribute } from '../../server/catalog/attributes.ts';
import { reservedColumns } from '../../server/catalog/attributes.ts';
import type { FieldInfo } from './reader.ts';

export interface FieldMapping {
  /** The key of the field in each feature's properties. */
  field: string;
  sourceName: string;
  fieldType: FieldInfo['type'];
  attribute: string | null;
  attributeType: Attribute['type'] | null;
  how: 'same_name' | 'dbf_prefix' | 'chosen' | 'unmapped';
}

export interface MappingResult {
  mapping: FieldMapping[];
  /** Mistakes in the editor's field_map, each a sentence. */
  errors: string[];
}

const lower = (s: string) => s.toLowerCase();

export function mapFields(fields: FieldInfo[], attributes: Attribute[], chosen: Record<string, string | null> = {}): MappingResult {
  const errors: string[] = [];
  const byName = new Map(attributes.map((a) => [a.name, a]));
  const chosenFor = new Map<FieldInfo, string | null>();
  for (const [key, target] of Object.entries(chosen)) {
    const field = fields.find((f) => f.name === key || f.sourceName === key)
      ?? fields.find((f) => lower(f.name) === lower(key) || lower(f.sourceName) === lower(key));
    if (!field) {
      errors.push(`field_map names '${key.slice(0, 60)}', which is not a field of the file (fields: ${fields.map((f) => f.sourceName).join(', ')}).`);
      continue;
    }
    if (target !== null && !byName.has(target)) {
      errors.push(`field_map maps '${key.slice(0, 60)}' to '${target}', which is not an attribute of the layer (attributes: ${attributes.map((a) => a.name).join(', ') || 'none'}).`);
      continue;
    }
    chosenFor.set(field, target);
  }
  const taken = new Set([...chosenFor.values()].filter((v): v is string => v !== null));
  const mapping: FieldMapping[] = fields.map((f) => {
    const base = { field: f.name, sourceName: f.sourceName, fieldType: f.type };
    if (chosenFor.has(f)) {
      const target = chosenFor.get(f)!;
      return { ...base, attribute: target, attributeType: target ? byName.get(target)!.type : null, how: target ? 'chosen' : 'unmapped' };
    }
    const candidates = [lower(f.name), lower(f.sourceName)];
    let attr = attributes.find((a) => candidates.includes(a.name) && !taken.has(a.name));
    let how: FieldMapping['how'] = 'same_name';
    if (!attr && f.sourceName.length === 10) {
      const prefixed = attributes.filter((a) => a.name.startsWith(lower(f.sourceName)) && !taken.has(a.name));
      if (prefixed.length === 1) {
        attr = prefixed[0];
        how = 'dbf_prefix';
      }
    }
    if (!attr) return { ...base, attribute: null, attributeType: null, how: 'unmapped' };
    taken.add(attr.name);
    return { ...base, attribute: attr.name, attributeType: attr.type, how };
  });
  const seen = new Map<string, string>();
  for (const m of mapping) {
    if (!m.attribute) continue;
    const other = seen.get(m.attribute);
    if (other) errors.push(`Both '${other}' and '${m.sourceName}' are mapped to the attribute '${m.attribute}'.`);
    seen.set(m.attribute, m.sourceName);
  }
  return { mapping, errors };
}

/** An attribute name from a field name: lower-case ASCII, not a system column, unique. */
function attributeName(field: FieldInfo, used: Set<string>): string {
  let base = field.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(base)) base = `f_${base}`;
  base = base.slice(0, 60);
  if (reservedColumns.includes(base)) base = `${base}_1`;
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base.slice(0, 58)}_${i}`;
  used.add(name);
  return name;
}

/** The attribute schema a new layer gets when its spec names none: one attribute per source field. */
export function proposeAttributes(fields: FieldInfo[]): Attribute[] {
  const used = new Set<string>();
  return fields.map((f) => ({
    name: attributeName(f, used),
    type: f.type,
    label_vi: f.sourceName,
    label_en: f.sourceName,
    required: false,
  }));
}
