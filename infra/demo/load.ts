// Loads the demo data set into a freshly migrated database: every layer through createLayer (catalog row, table,
// triggers, policies), its features by COPY, all in one transaction. Runs as the database owner, which in the
// private cluster is a superuser: layer tables FORCE row level security, and only a superuser's COPY passes it.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { layerTable } from '../../server/catalog/catalog.ts';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { generateDemoData } from './features.ts';
import { LON_SCALE, toEwkt } from './geometry.ts';
import type { DemoData, DemoLayer, Value } from './model.ts';

export interface DemoLoadResult {
  layers: number;
  features: number;
}

const CHANGE_NOTE = 'Nạp dữ liệu minh họa (demo)';

/** Loads the whole demo data set in one transaction; throws (and loads nothing) if any of it fails. */
export async function loadDemoData(client: pg.ClientBase): Promise<DemoLoadResult> {
  const data = generateDemoData();
  return inTransaction(client, () => loadAll(client, data));
}

/** As loadDemoData, but only into an empty catalog: returns null, changing nothing, when layers exist. */
export async function loadDemoDataIfEmpty(client: pg.ClientBase): Promise<DemoLoadResult | null> {
  return inTransaction(client, async () => {
    // Two servers starting on one empty database: the second waits here, then finds the first one's layers.
    await client.query('lock table catalog.layers in share row exclusive mode');
    const { rows } = await client.query<{ loaded: boolean }>('select exists (select 1 from catalog.layers) as loaded');
    if (rows[0]?.loaded) return null;
    return loadAll(client, generateDemoData());
  });
}

async function inTransaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await fn();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}

async function loadAll(client: pg.ClientBase, data: DemoData): Promise<DemoLoadResult> {
  // The history trigger records this note with every first version.
  await client.query("select set_config('cb.change_note', $1, true)", [CHANGE_NOTE]);
  for (const layer of data.layers) {
    await createLayer(client, layer.spec);
    if (layer.voronoiCells) await loadVoronoiCells(client, layer, data);
    else await copyRows(client, `${layerTable(layer.spec)} (${columnList(layer)})`, featureRows(layer));
    await client.query(`analyze ${layerTable(layer.spec)}`);
  }
  const ids = data.layers.map((l) => l.spec.id);
  const { rows } = await client.query<{ features: string }>(
    'select coalesce(sum(feature_count), 0)::text as features from catalog.layers where id = any($1)',
    [ids],
  );
  return { layers: ids.length, features: Number(rows[0]?.features ?? 0) };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function columnList(layer: DemoLayer, geometryColumn = 'geom'): string {
  return [geometryColumn, ...layer.spec.attributes.map((a) => a.name)].map(quoteIdent).join(', ');
}

/** A value in COPY's text format. */
function copyText(v: Value): string {
  if (v === null) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** Streams rows into `target` ("table (columns)") with COPY, in chunks of about 64 kB. */
async function copyRows(client: pg.ClientBase, target: string, rows: Iterable<readonly Value[]>): Promise<void> {
  function* chunks(): Generator<string> {
    let chunk = '';
    for (const row of rows) {
      chunk += row.map(copyText).join('\t') + '\n';
      if (chunk.length > 1 << 16) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(`copy ${target} from stdin`)));
}

function* featureRows(layer: DemoLayer, extra: (index: number) => Value[] = () => []): Generator<Value[]> {
  const names = layer.spec.attributes.map((a) => a.name);
  for (let i = 0; i < layer.features.length; i++) {
    const f = layer.features[i]!;
    yield [toEwkt(f.geometry), ...names.map((n) => f.properties[n] ?? null), ...extra(i)];
  }
}

/**
 * Commune boundaries that tile the province exactly: the Voronoi cell of each seed, clipped to the outline.
 * The cells are computed with longitude stretched by LON_SCALE (metres are then the same either way), which is
 * what the generator's "nearest seed" uses to tell each feature its commune.
 */
async function loadVoronoiCells(client: pg.ClientBase, layer: DemoLayer, data: DemoData): Promise<void> {
  const areaAttribute = layer.voronoiCells!.areaAttribute;
  const attrs = layer.spec.attributes.filter((a) => a.name !== areaAttribute);
  // Same column types as the layer's own table (whatever catalog.sql_type made of them).
  await client.query(
    `create temp table demo_seeds on commit drop as
     select null::geometry(Point, 4326) as seed, ${layer.spec.attributes.map((a) => quoteIdent(a.name)).join(', ')}, 0 as ord
     from ${layerTable(layer.spec)} with no data`,
  );
  // `ord` keeps the generator's order, so fids come out the same on every load.
  await copyRows(client, `demo_seeds (${columnList(layer, 'seed')}, ord)`, featureRows(layer, (i) => [i]));
  const cols = attrs.map((a) => quoteIdent(a.name));
  const outline = `SRID=4326;POLYGON((${data.outline.map((p) => `${p[0]} ${p[1]}`).join(',')}))`;
  await client.query(
    `with outline as (select $2::geometry as g),
     cells as (
       select (st_dump(st_voronoipolygons(st_collect(st_scale(s.seed, $1, 1)), 0, st_scale(st_expand(o.g, 0.5), $1, 1)))).geom as cell
       from demo_seeds s, outline o
       group by o.g
     ),
     clipped as (
       select st_multi(st_collectionextract(st_intersection(st_scale(c.cell, 1 / $1::float8, 1), o.g), 3)) as geom, s.*
       from demo_seeds s
       join cells c on st_contains(c.cell, st_scale(s.seed, $1, 1))
       cross join outline o
     )
     insert into ${layerTable(layer.spec)} (geom, ${cols.join(', ')}, ${quoteIdent(areaAttribute)})
     select geom, ${cols.join(', ')}, round((st_area(geom::geography) / 1e6)::numeric, 2)
     from clipped
     order by ord`,
    [LON_SCALE, outline],
  );
}
