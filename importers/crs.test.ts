// CRS recognition from .prj text (real ESRI, OGC and WKT2 output of PROJ's projinfo, stored in prj-samples.json),
// inference from coordinates, and the transformations in PostGIS: Bản Giốc lands where it must, and a point in every
// recognised CRS round-trips through the definition PROJ gives it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '../server/testing/database.ts';
import type { TestDatabase } from '../server/testing/database.ts';
import { describePrj, guessCrs, knownCrs, provinceBoxIn, RECOGNISED_CRS, transverseMercator } from './crs.ts';
import samples from './testing/prj-samples.json' with { type: 'json' };

const esri = samples.esri as Record<string, string>;
const gdal = samples.gdal as Record<string, string>;
const wkt2 = samples.wkt2 as Record<string, string>;

test('every recognised CRS is recognised from its ESRI WKT by its parameters (no EPSG code in ESRI .prj files)', () => {
  assert.equal(Object.keys(esri).length, RECOGNISED_CRS.length);
  for (const c of RECOGNISED_CRS) {
    const text = esri[String(c.srid)] as string;
    assert.doesNotMatch(text, /AUTHORITY\[|[,[]ID\[/);
    const d = describePrj(text);
    assert.equal(d.epsg, undefined);
    assert.equal(d.recognised?.srid, c.srid, `${c.srid}: ${d.summary}`);
  }
});

test('OGC WKT1 and WKT2 are read by their EPSG code, and by their parameters once the code is removed', () => {
  for (const c of RECOGNISED_CRS) {
    for (const text of [gdal[String(c.srid)] as string, wkt2[String(c.srid)] as string]) {
      assert.equal(describePrj(text).epsg, c.srid);
      const withoutCode = text.replace(/,(AUTHORITY\["EPSG","\d+"\]|ID\["EPSG",\d+\])\]$/, ']');
      assert.notEqual(withoutCode, text);
      const d = describePrj(withoutCode);
      assert.equal(d.epsg, undefined);
      assert.equal(d.recognised?.srid, c.srid, `${c.srid} without its code: ${d.summary}`);
    }
  }
});

test('VN-2000 is recognised by its TOWGS84 shift when the datum has another name; a look-alike is not', () => {
  const shifted = 'PROJCS["Cao Bang",GEOGCS["unknown",DATUM["unknown",SPHEROID["WGS84",6378137,298.257223563],TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]';
  assert.equal(describePrj(shifted).recognised?.srid, 9210);
  // Right datum, but the UTM scale on the TM-3 meridian: no EPSG code has it.
  assert.equal(describePrj(shifted.replace('0.9999', '0.9996')).recognised, undefined);
  assert.equal(describePrj(shifted.replace('UNIT["metre",1]]', 'UNIT["US survey foot",0.304800609601219]]')).recognised, undefined);
  assert.equal(describePrj('EPSG:9210').epsg, 9210);
  assert.match(describePrj('this is not WKT').summary, /not readable WKT/);
});

test('the province window in each CRS: eastings separate TM-3 105°45′ from UTM 48N except in between', () => {
  const tm3 = provinceBoxIn(9210) as number[];
  const utm = provinceBoxIn(3405) as number[];
  assert.ok(Math.abs((tm3[0] as number) - 448_000) < 2_000 && Math.abs((tm3[2] as number) - 614_000) < 2_000, tm3.join());
  assert.ok(Math.abs((utm[0] as number) - 525_000) < 2_000 && Math.abs((utm[2] as number) - 692_000) < 2_000, utm.join());
  assert.ok(Math.abs((tm3[1] as number) - (utm[1] as number)) < 1_000, 'northings overlap');
});

const bbox = (x0: number, y0: number, x1 = x0, y1 = y0): [number, number, number, number] => [x0, y0, x1, y1];

test('without a .prj the CRS comes from the coordinates, always asking for confirmation', () => {
  const deg = guessCrs({ bbox: bbox(105.9, 22.6, 106.5, 22.9) });
  assert.deepEqual([deg.srid, deg.source, deg.needsConfirmation, deg.swapXY], [4326, 'coordinates', true, false]);

  const west = guessCrs({ bbox: bbox(460_000, 2_480_000, 520_000, 2_540_000) });
  assert.deepEqual([west.srid, west.needsConfirmation], [9210, true]);
  assert.doesNotMatch(west.evidence, /also fit/);

  const middle = guessCrs({ bbox: bbox(580_000, 2_500_000, 600_000, 2_530_000) });
  assert.equal(middle.srid, 9210);
  assert.match(middle.evidence, /would also fit VN-2000 \/ UTM zone 48N \(EPSG:3405\)/);
  assert.ok(middle.confidence < west.confidence);

  const east = guessCrs({ bbox: bbox(630_000, 2_480_000, 680_000, 2_540_000) });
  assert.deepEqual([east.srid, east.needsConfirmation], [3405, true]);

  const swapped = guessCrs({ bbox: bbox(2_480_000, 460_000, 2_540_000, 520_000) });
  assert.deepEqual([swapped.srid, swapped.swapXY, swapped.needsConfirmation], [9210, true, true]);
  const swappedDegrees = guessCrs({ bbox: bbox(22.6, 105.9, 22.9, 106.5) });
  assert.deepEqual([swappedDegrees.srid, swappedDegrees.swapXY], [4326, true]);

  const nowhere = guessCrs({ bbox: bbox(1, 2, 17, 18) });
  assert.deepEqual([nowhere.srid, nowhere.source, nowhere.needsConfirmation, nowhere.confidence], [null, 'default', true, 0]);
  assert.match(nowhere.evidence, /Please choose one/);
});

test('a .prj that agrees with the coordinates is trusted; one they contradict is overruled with confirmation', () => {
  const ok = guessCrs({ prjText: esri['9210'], bbox: bbox(599_554, 2_528_819) });
  assert.deepEqual([ok.srid, ok.source, ok.needsConfirmation], [9210, 'prj-wkt', false]);
  assert.match(ok.evidence, /VN-2000 \/ TM-3 105-45 \(EPSG:9210\), and in it the coordinates .* lie inside Cao Bằng/);
  assert.equal(ok.prjText, esri['9210']);

  const byCode = guessCrs({ prjText: gdal['3405'], bbox: bbox(650_000, 2_500_000) });
  assert.deepEqual([byCode.srid, byCode.source, byCode.needsConfirmation], [3405, 'prj-epsg', false]);

  // The classic mistake: a WGS 84 .prj on VN-2000 metres.
  const wrong = guessCrs({ prjText: esri['4326'], bbox: bbox(460_000, 2_480_000, 520_000, 2_540_000) });
  assert.deepEqual([wrong.srid, wrong.source, wrong.needsConfirmation], [9210, 'coordinates', true]);
  assert.match(wrong.evidence, /The \.prj describes "GCS_WGS_1984".*but the coordinates are impossible in it/);

  // UTM 48N declared, but the eastings only fit TM-3 105°45′ inside the province.
  const utmOnTm3 = guessCrs({ prjText: esri['3405'], bbox: bbox(455_000, 2_480_000, 500_000, 2_500_000) });
  assert.deepEqual([utmOnTm3.srid, utmOnTm3.needsConfirmation], [9210, true]);
  assert.match(utmOnTm3.evidence, /in it the coordinates lie outside Cao Bằng/);

  const swapped = guessCrs({ prjText: esri['9210'], bbox: bbox(2_528_819, 599_554) });
  assert.deepEqual([swapped.srid, swapped.swapXY, swapped.needsConfirmation, swapped.source], [9210, true, true, 'prj-wkt']);

  // Data from elsewhere in a CRS that fits it: trusted, outside the province is the validator's business.
  const elsewhere = guessCrs({ prjText: esri['4326'], bbox: bbox(1, 2, 17, 18) });
  assert.deepEqual([elsewhere.srid, elsewhere.needsConfirmation], [4326, false]);
  assert.match(elsewhere.evidence, /outside Cao Bằng/);

  const unknown = guessCrs({ prjText: 'PROJCS["Indian_1960_UTM_Zone_48N",GEOGCS["GCS_Indian_1960",DATUM["D_Indian_1960",SPHEROID["Everest_1830",6377276.345,300.8017]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]', bbox: bbox(650_000, 2_500_000) });
  assert.deepEqual([unknown.srid, unknown.source, unknown.needsConfirmation], [3405, 'coordinates', true]);
  assert.match(unknown.evidence, /matches no coordinate system we recognise/);
});

test('GeoJSON: its crs member is honoured, and without one EPSG:4326 is checked against the coordinates', () => {
  const declared = guessCrs({ declaredSrid: 9210, defaultSrid: 4326, bbox: bbox(599_554, 2_528_819) });
  assert.deepEqual([declared.srid, declared.source, declared.needsConfirmation], [9210, 'prj-epsg', false]);
  const plain = guessCrs({ defaultSrid: 4326, bbox: bbox(106.1, 22.7) });
  assert.deepEqual([plain.srid, plain.source, plain.needsConfirmation], [4326, 'default', false]);
  const metres = guessCrs({ defaultSrid: 4326, bbox: bbox(470_000, 2_500_000) });
  assert.deepEqual([metres.srid, metres.source, metres.needsConfirmation], [9210, 'coordinates', true]);
  const empty = guessCrs({ defaultSrid: 4326, bbox: null });
  assert.deepEqual([empty.srid, empty.needsConfirmation], [4326, false]);
});

// --- In PostGIS ------------------------------------------------------------------------------------------------

let db: TestDatabase;
let client: pg.Client;
before(async () => {
  db = await createTestDatabase({ demo: false });
  client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
});
after(async () => {
  await client?.end();
  await db?.drop();
});

test('Bản Giốc, E 599 554 N 2 528 819 in EPSG:9210, lands within 1 m of lon 106.721998, lat 22.856402', async () => {
  const { rows } = await client.query<{ lon: number; lat: number; metres: number }>(
    `select st_x(g) lon, st_y(g) lat,
            st_distance(g::geography, st_setsrid(st_point(106.721998, 22.856402), 4326)::geography) metres
       from (select st_transform(st_setsrid(st_point($1, $2), 9210), 4326) g) t`,
    [599_554, 2_528_819],
  );
  const r = rows[0];
  assert.ok(r);
  assert.ok(r.metres < 1, `${r.metres} m off (${r.lon}, ${r.lat})`);
});

test('a point in every recognised CRS round-trips, with the 7-parameter VN-2000 shift applied', async () => {
  // PostGIS 3.3 lacks most VN-2000 TM-3 zones; with auth EPSG the row makes PostGIS use PROJ's own definition.
  const { rows: present } = await client.query<{ srid: number }>('select srid from spatial_ref_sys where srid = any($1)', [RECOGNISED_CRS.map((c) => c.srid)]);
  const have = new Set(present.map((r) => r.srid));
  // The migrations add every VN-2000 zone PostGIS 3.3 lacks (002, 011): none may be missing.
  assert.deepEqual(RECOGNISED_CRS.filter((k) => !have.has(k.srid)).map((k) => k.srid), []);
  const lon = 106.0;
  const lat = 22.7;
  for (const c of RECOGNISED_CRS) {
    const { rows } = await client.query<{ x: number; y: number; lon: number; lat: number }>(
      `select st_x(p) x, st_y(p) y, st_x(b) lon, st_y(b) lat
         from (select st_transform(st_setsrid(st_point($1, $2), 4326), $3::int) p) a,
              lateral (select st_transform(a.p, 4326) b) t`,
      [lon, lat, c.srid],
    );
    const r = rows[0];
    assert.ok(r, String(c.srid));
    assert.ok(Math.abs(r.lon - lon) < 1e-8 && Math.abs(r.lat - lat) < 1e-8, `${c.srid} round trip: ${r.lon}, ${r.lat}`);
    if (!c.tm) continue;
    // Our own Transverse Mercator (no datum shift) against PROJ's: the same projection parameters put WGS 84 data
    // within a metre, and VN-2000 data ~100–300 m apart: the shift is applied (without it they would agree).
    const [x, y] = transverseMercator(lon, lat, c.tm);
    const apart = Math.hypot(r.x - x, r.y - y);
    if (c.datum === 'wgs84') assert.ok(apart < 1, `${c.srid}: ${apart} m`);
    else assert.ok(apart > 100 && apart < 300, `${c.srid}: ${apart} m between PROJ and our projection without the shift`);
  }
  assert.equal(knownCrs(9210)?.tm?.lon0, 105.75);
});
