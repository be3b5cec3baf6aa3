// Bytes of the low-zoom tiles of lines and polygons (not a test): `npx tsx tiles/bench/low-zoom-sizes.ts [--scaled]`
//
// Every public line and polygon layer's tiles over the province at z6–z10, straight from the tile statement
// (tiles/tile-sql.ts) as the server's role whatever the layer's minimum zoom, in a scratch copy of the demo database
// (with --scaled, the benchmark's scaled-up data, tiles/bench/scale-up.ts). Prints per zoom the tiles with features, the
// features in them, total and largest bytes, and the time the database took, for BENCHMARKS.md "Tiles".
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import pg from 'pg';
import { findLayer } from '../../server/catalog/catalog.ts';
import { createTestDatabase } from '../../server/testing/database.ts';
import { tileQuery } from '../tile-sql.ts';
import { TILE_QUERY_SETTINGS } from '../tile-pool.ts';
import { provinceTiles } from './processes.ts';
import { scaleUp } from './scale-up.ts';

const scaled = process.argv.includes('--scaled');
const database = await createTestDatabase({ demo: true });
const owner = new pg.Client({ connectionString: database.ownerUrl });
const sql = new pg.Client({ connectionString: database.appUrl, options: Object.entries(TILE_QUERY_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ') });
try {
  await owner.connect();
  if (scaled) await scaleUp(owner);
  await sql.connect();
  const { rows: ids } = await sql.query<{ id: string }>(
    `select id from catalog.layers where visibility = 'public' and geometry_family in ('line', 'polygon') order by id`);
  const layers = [];
  for (const { id } of ids) layers.push((await findLayer(sql, id))!);
  console.log(`${scaled ? 'Scaled' : 'Demo'} data, ${layers.length} line and polygon layers: ${layers.map((l) => l.id).join(', ')}`);
  console.log('| zoom | tiles with features | features | total bytes | largest tile | database ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (let z = 6; z <= 10; z++) {
    let tiles = 0;
    let features = 0;
    let bytes = 0;
    let largest = { bytes: 0, at: '' };
    let ms = 0;
    for (const layer of layers) {
      for (const t of provinceTiles(z)) {
        const t0 = performance.now();
        const { rows: [r] } = await sql.query<{ mvt: Buffer | null }>(tileQuery(layer, t));
        ms += performance.now() - t0;
        const mvt = r?.mvt ?? Buffer.alloc(0);
        if (mvt.length === 0) continue;
        tiles++;
        bytes += mvt.length;
        features += new VectorTile(new PbfReader(mvt)).layers[layer.id]?.length ?? 0;
        if (mvt.length > largest.bytes) largest = { bytes: mvt.length, at: `${layer.id} ${z}/${t.x}/${t.y}` };
      }
    }
    console.log(`| z${z} | ${tiles} | ${features} | ${bytes} | ${largest.bytes} (${largest.at}) | ${ms.toFixed(0)} |`);
  }
} finally {
  await sql.end().catch(() => {});
  await owner.end().catch(() => {});
  await database.drop();
}
