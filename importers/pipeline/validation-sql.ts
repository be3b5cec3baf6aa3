// The validation of a staged file, as SQL built by pure functions (`{ text, values }`): one INSERT … SELECT from
// the raw staging table into the checked one, reprojecting to 4326, fitting the geometry to the layer's kind,
// checking validity (and what ST_MakeValid makes of it), the province and every mapped value's type. Field
// names come from the file, so they are parameters; column names come from the layer's attribute schema.
// Every step is a subquery fenced with OFFSET 0: without the fences the planner pulls them up and copies each
// step's expression into every later use (st_transform computed a dozen times per row, and planning takes
// seconds). Nested subqueries rather than LATERAL joins: a projection per step, no join or memoize per row.
import type { Attribute } from '../../server/catalog/attributes.ts';
import type { GeometryFamily } from '../../server/catalog/catalog.ts';
import { quoteIdent, type SqlQuery } from '../../server/features/feature-sql.ts';
import { PROVINCE_BOUNDS } from '../../server/features/validate-feature.ts';

export interface ValidationPlan {
  rawTable: string;
  checkedTable: string;
  srid: number;
  family: GeometryFamily;
  /** Every attribute of the target layer (unmapped ones stay null). */
  attributes: Attribute[];
  /** attribute name → the properties key of the field that fills it. */
  fieldFor: Record<string, string>;
  keyAttribute?: string;
  /** Reproject row by row, answering null where PROJ refuses (only after the set-based statement failed). */
  safeTransform: boolean;
  /** Only the raw rows with from <= idx < to (null: no bound on that side), for validating in parallel parts. */
  part?: { from: number | null; to: number | null };
}

/** Problem codes that keep a feature out of the layer unless the editor skips it (or repairs it). */
export const problemMessages: Record<string, string> = {
  null_geometry: 'the feature has no geometry',
  empty_geometry: 'the geometry is empty',
  non_finite_coordinates: 'a coordinate is NaN or infinite',
  malformed_geometry: 'the geometry could not be read',
  transform_failed: 'the coordinates cannot be reprojected from the chosen CRS (is it the right one?)',
  wrong_geometry_type: 'the geometry is not of the layer\'s kind',
  invalid_geometry: 'the geometry is not valid; ST_MakeValid repairs it (commit with repair)',
  invalid_geometry_unrepairable: 'the geometry is not valid and ST_MakeValid leaves nothing of the layer\'s kind',
  outside_province: 'the geometry is not inside Cao Bằng province',
  bad_value: 'a value does not fit its attribute\'s type',
  value_too_long: 'a text is longer than its attribute allows',
  value_not_allowed: 'a value is not one of the attribute\'s allowed values',
  missing_value: 'a required attribute has no value',
  missing_key: 'the upsert key has no value',
  duplicate_key: 'the upsert key occurs more than once in the file',
};

const dimension: Record<GeometryFamily, number> = { point: 1, line: 2, polygon: 3 };

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The converted value of one attribute from the JSON value `j`, or null when it does not fit. */
function conversion(a: Attribute, j: string): string {
  const str = `(${j} #>> '{}')`;
  switch (a.type) {
    case 'text':
      // Text arrives NFC-normalised from staging.ts (cheaper in JS than normalize() here).
      return `case jsonb_typeof(${j}) when 'string' then nullif(${str}, '') when 'number' then ${str} when 'boolean' then ${str} end`;
    case 'integer':
      return `case jsonb_typeof(${j})
        when 'number' then case when (${j})::numeric = trunc((${j})::numeric) and abs((${j})::numeric) <= 9007199254740992 then (${j})::numeric::bigint end
        when 'string' then imports.parse_integer(${str}) end`;
    case 'number':
      return `case jsonb_typeof(${j}) when 'number' then (${j})::double precision when 'string' then imports.parse_number(${str}) end`;
    case 'boolean':
      return `case jsonb_typeof(${j}) when 'boolean' then (${j})::boolean
        when 'string' then imports.parse_boolean(${str}) when 'number' then imports.parse_boolean(${str}) end`;
    case 'date':
      return `case jsonb_typeof(${j}) when 'string' then imports.parse_date(${str}) when 'number' then imports.parse_date(${str}) end`;
    case 'datetime':
      return `case jsonb_typeof(${j}) when 'string' then imports.parse_timestamptz(${str}) end`;
  }
}

/** A value is present unless it is null or blank text (DBF pads empty fields with spaces). */
function presence(j: string): string {
  return `(${j} is not null and jsonb_typeof(${j}) <> 'null' and not (jsonb_typeof(${j}) = 'string' and btrim(${j} #>> '{}') = ''))`;
}

function geometryFit(family: GeometryFamily, g: string): string {
  switch (family) {
    case 'point':
      return `case geometrytype(${g}) when 'POINT' then ${g}
                when 'MULTIPOINT' then case when st_numgeometries(${g}) = 1 then st_geometryn(${g}, 1) end end`;
    case 'line':
      return `case when geometrytype(${g}) in ('LINESTRING', 'MULTILINESTRING') then st_multi(${g}) end`;
    case 'polygon':
      return `case when geometrytype(${g}) in ('POLYGON', 'MULTIPOLYGON') then st_multi(${g}) end`;
  }
}

export function validationSql(plan: ValidationPlan): SqlQuery {
  const values: unknown[] = [plan.srid];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const transform = plan.srid === 4326
    ? 'st_setsrid(st_force2d(r.wkb), 4326)'
    : plan.safeTransform
      ? 'imports.try_transform(st_force2d(r.wkb), $1::integer)'
      : 'st_transform(st_setsrid(st_force2d(r.wkb), $1::integer), 4326)';

  const attrCols: string[] = [];
  // Each field's JSON value, taken out of the properties once (a jsonb lookup per use would be several per row).
  const extracts: string[] = [];
  const attrChecks: { code: string; reason: string }[] = [];
  for (const [i, a] of plan.attributes.entries()) {
    const col = quoteIdent(a.name);
    const field = plan.fieldFor[a.name];
    if (field === undefined) {
      attrCols.push(`null::${sqlType(a)} as ${col}`);
      if (a.required) attrChecks.push({ code: `'missing_value'`, reason: `${literal(`${a.name}: required, and no field is mapped to it`)}` });
      continue;
    }
    extracts.push(`r.props -> ${param(field)} as _j${i}`);
    const j = `r._j${i}`;
    attrCols.push(`${conversion(a, j)} as ${col}`, `${presence(j)} as _p${i}`, `${j} as _r${i}`);
    const v = `v.${col}`;
    const present = `v._p${i}`;
    const raw = `left(v._r${i}::text, 80)`;
    attrChecks.push({
      code: `case when ${present} and ${v} is null then 'bad_value' end`,
      reason: `case when ${present} and ${v} is null then format('%s: %s is not a valid ${a.type}', ${literal(a.name)}, ${raw}) end`,
    });
    if (a.required) {
      attrChecks.push({
        code: `case when ${v} is null and not ${present} then 'missing_value' end`,
        reason: `case when ${v} is null and not ${present} then ${literal(`${a.name}: required`)} end`,
      });
    }
    if (a.type === 'text' && a.max_length) {
      attrChecks.push({
        code: `case when char_length(${v}) > ${a.max_length} then 'value_too_long' end`,
        reason: `case when char_length(${v}) > ${a.max_length} then format('%s: %s characters, at most ${a.max_length}', ${literal(a.name)}, char_length(${v})) end`,
      });
    }
    if (a.allowed && a.allowed.length > 0) {
      const allowed = a.type === 'text'
        ? `${param(a.allowed.map(String))}::text[]`
        : `${param(a.allowed.map(Number))}::${a.type === 'integer' ? 'bigint' : 'double precision'}[]`;
      attrChecks.push({
        code: `case when ${v} is not null and not (${v} = any (${allowed})) then 'value_not_allowed' end`,
        reason: `case when ${v} is not null and not (${v} = any (${allowed})) then format('%s: %s is not one of the allowed values', ${literal(a.name)}, ${v}) end`,
      });
    }
  }
  if (plan.keyAttribute) {
    const v = `v.${quoteIdent(plan.keyAttribute)}`;
    attrChecks.push({
      code: `case when ${v} is null then 'missing_key' end`,
      reason: `case when ${v} is null then ${literal(`${plan.keyAttribute}: the upsert key is empty`)} end`,
    });
  }

  const bounds: string[] = [];
  if (plan.part?.from != null) bounds.push(`r.idx >= ${param(plan.part.from)}::integer`);
  if (plan.part?.to != null) bounds.push(`r.idx < ${param(plan.part.to)}::integer`);
  const partFilter = bounds.length > 0 ? ` where ${bounds.join(' and ')}` : '';

  const b = PROVINCE_BOUNDS;
  const outside = `(st_xmin(v._geom) < ${b.west} or st_xmax(v._geom) > ${b.east} or st_ymin(v._geom) < ${b.south} or st_ymax(v._geom) > ${b.north})`;
  const geometryChecks = [
    { code: `case when v._wkb_null and v._problems is null then 'null_geometry' end`, reason: `case when v._wkb_null and v._problems is null then 'no geometry' end` },
    { code: `case when v._empty then 'empty_geometry' end`, reason: `case when v._empty then 'empty geometry' end` },
    { code: `case when v._failed then 'transform_failed' end`, reason: `case when v._failed then format('cannot reproject from EPSG:%s', $1::integer) end` },
    { code: `case when v._wrong then 'wrong_geometry_type' end`, reason: `case when v._wrong then format('a %s in a ${plan.family} layer', v._gtype) end` },
    {
      code: `case when v._invalid and v._geom is not null then 'invalid_geometry' when v._invalid then 'invalid_geometry_unrepairable' end`,
      reason: `case when v._invalid then v._reason || case when v._geom is not null then ' (ST_MakeValid repairs it)' else ' (ST_MakeValid cannot repair it)' end end`,
    },
    { code: `case when v._geom is not null and ${outside} then 'outside_province' end`, reason: `case when v._geom is not null and ${outside} then format('at %s, %s: outside Cao Bằng', round(st_x(st_centroid(v._geom))::numeric, 5), round(st_y(st_centroid(v._geom))::numeric, 5)) end` },
  ];
  const checks = [...geometryChecks, ...attrChecks];
  // Most rows have no reader problems: no subquery run for them.
  const fileCodes = `case when v._problems is null then '{}'::text[] else array(select p ->> 'code' from jsonb_array_elements(v._problems) p) end`;
  const fileReasons = `case when v._problems is null then '{}'::text[] else array(select p ->> 'message' from jsonb_array_elements(v._problems) p) end`;
  const attrNames = plan.attributes.map((a) => quoteIdent(a.name));
  const dim = dimension[plan.family];
  const repair = plan.family === 'point' ? 'null::geometry' : `st_multi(st_collectionextract(st_makevalid(c._fg), ${dim}))`;

  // Each step adds columns to the one before (all of them named with a leading _, which no attribute name has).
  // The reasons (format() calls) are only made for the rows that have a problem code.
  const text = `insert into ${plan.checkedTable} (_idx, _geom, _codes, _reasons, _repaired${attrNames.map((n) => `, ${n}`).join('')})
select v._idx, v._geom, v._codes,
       case when cardinality(v._codes) = 0 then '{}'::text[] else
         ${fileReasons} || array_remove(array[${checks.map((c) => c.reason).join(',\n         ')}]::text[], null) end,
       v._invalid and v._geom is not null${attrNames.map((n) => `, v.${n}`).join('')}
from (
 select v.*, ${fileCodes} || array_remove(array[${checks.map((c) => c.code).join(',\n         ')}]::text[], null) as _codes from (
  select g.*, case when g._geom0 is not null and not st_isempty(g._geom0) then g._geom0 end as _geom from (
    select c.*, case when c._invalid then st_isvalidreason(c._fg) end as _reason,
           case when not c._invalid then c._fg else ${repair} end as _geom0 from (
      select f.*, (f._fg is not null and not st_isvalid(f._fg)) as _invalid from (
        select t.*, (t._g is not null and not t._empty and t._fg is null) as _wrong from (
          select t0.*, case when not t0._empty then ${geometryFit(plan.family, 't0._g')} end as _fg from (
            select s.*, geometrytype(s._g) as _gtype, st_isempty(s._g) as _empty, (not s._wkb_null and s._g is null) as _failed from (
              select r.idx as _idx, r.problems as _problems, r.wkb is null as _wkb_null,
                     case when r.wkb is not null then ${transform} end as _g${attrCols.map((c) => `,\n                     ${c}`).join('')}
              from (select r.*${extracts.map((e) => `, ${e}`).join('')} from ${plan.rawTable} r${partFilter} offset 0) r offset 0
            ) s offset 0
          ) t0 offset 0
        ) t offset 0
      ) f offset 0
    ) c offset 0
  ) g offset 0
 ) v offset 0
) v`;
  return { text, values };
}

function sqlType(a: Attribute): string {
  return { text: 'text', integer: 'bigint', number: 'double precision', boolean: 'boolean', date: 'date', datetime: 'timestamptz' }[a.type];
}

/** Upsert keys that occur more than once in the file: each of those features gets the problem. */
export function duplicateKeySql(checkedTable: string, keyAttribute: string): SqlQuery {
  const k = quoteIdent(keyAttribute);
  return {
    text: `update ${checkedTable} c
              set _codes = c._codes || array['duplicate_key'],
                  _reasons = c._reasons || format('%s: %s occurs %s times in the file', $1::text, c.${k}, d.n)
             from (select ${k} as key, count(*) as n from ${checkedTable} where ${k} is not null group by ${k} having count(*) > 1) d
            where c.${k} = d.key`,
    values: [keyAttribute],
  };
}

/** Counts per problem code, and how many features have any problem (or only a repairable geometry). */
export function problemCountsSql(checkedTable: string): SqlQuery {
  return {
    text: `select (select coalesce(jsonb_object_agg(code, n), '{}') from (
                    select code, count(*) as n from ${checkedTable}, unnest(_codes) code group by code) x) as counts,
                  count(*) as total,
                  count(*) filter (where cardinality(_codes) > 0) as with_problems,
                  count(*) filter (where cardinality(_codes) > 0 and _codes <@ array['invalid_geometry']) as repairable_only,
                  st_extent(_geom) as extent
           from ${checkedTable}`,
    values: [],
  };
}

export function problemSampleSql(checkedTable: string, limit: number): SqlQuery {
  return {
    text: `select _idx as index, _codes as codes, _reasons as reasons from ${checkedTable}
           where cardinality(_codes) > 0 order by _idx limit $1`,
    values: [limit],
  };
}

/** About `limit` features spread over the file, as a GeoJSON FeatureCollection in 4326 for the map. */
export function featureSampleSql(checkedTable: string, attributes: Attribute[], limit: number): SqlQuery {
  const props = attributes.map((a) => `${literal(a.name)}, ${quoteIdent(a.name)}`);
  const chunks: string[] = [];
  for (let i = 0; i < props.length; i += 40) chunks.push(`jsonb_build_object(${props.slice(i, i + 40).join(', ')})`);
  const properties = chunks.length > 0 ? chunks.join(' || ') : `'{}'::jsonb`;
  return {
    text: `select jsonb_build_object('type', 'FeatureCollection', 'features', coalesce(jsonb_agg(f order by idx), '[]')) as sample
           from (
             select _idx as idx, jsonb_build_object('type', 'Feature', 'id', _idx,
                      'geometry', st_asgeojson(_geom, 7)::jsonb,
                      'properties', ${properties} || jsonb_build_object('_problems', _codes)) as f
             from ${checkedTable}
             where _geom is not null
               and _idx % greatest(1, ((select count(*) from ${checkedTable}) / $1::integer)::integer) = 0
             order by _idx limit $1
           ) s`,
    values: [limit],
  };
}
