// A layer's attribute schema: what the catalog stores in `layers.attributes`, and the column each becomes.
import { z } from 'zod';

export const attributeTypes = ['text', 'integer', 'number', 'boolean', 'date', 'datetime'] as const;
export type AttributeType = (typeof attributeTypes)[number];

export const reservedColumns = ['fid', 'geom', 'geom_3857', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by'];
/** Query parameters of the feature APIs: an attribute of that name could not be filtered on. */
export const reservedParameterNames = ['bbox', 'limit', 'after', 'before', 'properties', 'as_of', 'offset', 'filter', 'crs', 'datetime', 'f'];

export const attributeSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, 'an attribute name is lower-case ASCII letters, digits and _')
    .refine((n) => !reservedColumns.includes(n), 'this name is reserved for a system column')
    .refine((n) => !reservedParameterNames.includes(n), 'this name is a query parameter of the feature APIs'),
  type: z.enum(attributeTypes),
  label_vi: z.string().min(1),
  label_en: z.string().min(1),
  required: z.boolean().default(false),
  allowed: z.array(z.union([z.string(), z.number()])).optional(),
  max_length: z.number().int().positive().optional(),
});

export type Attribute = z.infer<typeof attributeSchema>;
