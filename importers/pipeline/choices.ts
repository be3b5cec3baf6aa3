// What an editor decides about an import: the target (an existing layer or a new one), the merge mode, and
// choices that override what was detected (encoding, CRS, axis order, field mapping, which dataset of a zip).
import { z } from 'zod';
import { attributeSchema } from '../../server/catalog/attributes.ts';
import { AppError } from '../../server/errors.ts';

export const encodings = ['utf8', 'windows1258', 'tcvn3', 'vni', 'viscii', 'latin1', 'ascii'] as const;
export const modes = ['append', 'replace', 'upsert'] as const;
export type ImportMode = (typeof modes)[number];

/** Overrides of detection: each absent one means "as detected". */
export const choicesSchema = z.strictObject({
  encoding: z.enum(encodings).optional(),
  srid: z.number().int().min(1).max(999_999).optional(),
  swap_xy: z.boolean().optional(),
  /** Source field (its name or its original DBF name) → layer attribute, or null to leave the field out. */
  field_map: z.record(z.string().min(1).max(100), z.string().max(63).nullable()).optional(),
  dataset: z.string().min(1).max(300).optional(),
});
export type Choices = z.infer<typeof choicesSchema>;

/** A new layer made by the import. Geometry family and attributes default to what the file has. */
export const newLayerSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,40}$/, 'a layer id is sector.slug in lower-case ASCII'),
  title_vi: z.string().min(1).max(300),
  title_en: z.string().min(1).max(300).optional(),
  description_vi: z.string().max(5000).optional(),
  description_en: z.string().max(5000).optional(),
  /** Agency code; may be left out when the editor edits for one agency only. */
  owner_agency: z.string().max(60).optional(),
  geometry_family: z.enum(['point', 'line', 'polygon']).optional(),
  attributes: z.array(attributeSchema).max(200).optional(),
  name_attribute: z.string().max(63).nullable().optional(),
  visibility: z.enum(['public', 'restricted']).optional(),
  source: z.string().min(1).max(1000).optional(),
  legal_basis: z.string().max(1000).optional(),
  licence: z.string().max(200).optional(),
});
export type NewLayerInput = z.infer<typeof newLayerSchema>;

/** Choices at commit time that need no new validation: what to do with features that have problems. */
export const commitOptionsSchema = z.strictObject({
  /** Leave out the features with problems (else the commit is refused while any exist). */
  skip_invalid: z.boolean().optional(),
  /** Store invalid geometries as ST_MakeValid repairs them (only where the repair keeps the layer's kind). */
  repair: z.boolean().optional(),
});
export type CommitOptions = z.infer<typeof commitOptionsSchema>;

function issueMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ');
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, code: string, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError(400, code, `${what} is not valid: ${issueMessage(r.error)}`);
  return r.data;
}

/** Multipart fields are text: JSON for objects, 'true'/'false' for flags, digits for numbers. */
export function jsonField(raw: string | undefined, name: string): unknown {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError(400, 'invalid_field', `The field '${name}' must be JSON.`);
  }
}

export function flagField(raw: string | undefined, name: string): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new AppError(400, 'invalid_field', `The field '${name}' is true or false.`);
}

export function integerField(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,6}$/.test(raw.trim())) throw new AppError(400, 'invalid_field', `The field '${name}' is a whole number.`);
  return Number(raw.trim());
}

/** Choices from a JSON body or from multipart text fields, validated the same way. */
export function choicesFrom(input: Record<string, unknown>, fromText: boolean): Choices {
  const text = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const raw = fromText
    ? {
        encoding: text('encoding') || undefined,
        srid: integerField(text('srid'), 'srid'),
        swap_xy: flagField(text('swap_xy'), 'swap_xy'),
        field_map: jsonField(text('field_map'), 'field_map'),
        dataset: text('dataset') || undefined,
      }
    : { encoding: input.encoding, srid: input.srid, swap_xy: input.swap_xy, field_map: input.field_map, dataset: input.dataset };
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  return parseWith(choicesSchema, defined, 'invalid_choice', 'A choice');
}

/** The choices that differ from those in force (which were used for the current preview). */
export function changedChoices(current: Choices, asked: Choices): (keyof Choices)[] {
  const keys = Object.keys(asked) as (keyof Choices)[];
  return keys.filter((k) => JSON.stringify(asked[k]) !== JSON.stringify(current[k]));
}
