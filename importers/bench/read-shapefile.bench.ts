// Benchmark (not a test): reads a generated Shapefile of 500 000 points and one of 100 000 polygons (EPSG:9210
// coordinates, TCVN3 names) through the Shapefile reader and prints features/s and peak RSS.
//   node --import tsx importers/bench/read-shapefile.bench.ts [--points N] [--polygons N]
// The files are built in a child process so that the reader's peak RSS is measured on its own. CPU time is printed
// beside wall time because this runs on shared machines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openShapefile } from '../shapefile-reader.ts';
import { buildDbf } from '../testing/dbf-writer.ts';
import type { DbfFieldSpec } from '../testing/dbf-writer.ts';
import { encodeText } from '../testing/encode-text.ts';
import { buildShapefile } from '../testing/shp-writer.ts';
import type { ShpShape, XY } from '../testing/shp-writer.ts';

const NAMES = ['Cao Bằng', 'Đông Khê', 'Bảo Lạc', 'Hà Quảng', 'Nguyên Bình', 'Trùng Khánh', 'Thạch An', 'Hòa An', 'Quảng Hòa',
  'Thác Bản Giốc', 'Phường Sông Hiến', 'Nước Hai'];
const FIELDS: DbfFieldSpec[] = [
  { name: 'TEN', type: 'C', length: 60 },
  { name: 'MA', type: 'N', length: 10 },
  { name: 'DIEN_TICH', type: 'N', length: 16, decimals: 3 },
  { name: 'NGAY', type: 'D', length: 8 },
];
const PRJ = 'PROJCS["VN-2000_TM-3_105-45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function write(dir: string, base: string, type: number, shapes: ShpShape[]): void {
  const { shp, shx } = buildShapefile(type, shapes);
  const encoded = NAMES.map((n) => encodeText(n, 'tcvn3'));
  const dbf = buildDbf(FIELDS, shapes.map((_, i) => [encoded[i % encoded.length] as Buffer, i, i * 1.5, '20240115']));
  fs.writeFileSync(path.join(dir, `${base}.shp`), shp);
  fs.writeFileSync(path.join(dir, `${base}.shx`), shx);
  fs.writeFileSync(path.join(dir, `${base}.dbf`), dbf);
  fs.writeFileSync(path.join(dir, `${base}.prj`), PRJ);
}

function build(dir: string, points: number, polygons: number): void {
  // A deterministic scatter over the province in TM-3 105°45′ metres.
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const at = (): XY => [455_000 + rand() * 150_000, 2_475_000 + rand() * 80_000];
  write(dir, 'points', 1, Array.from({ length: points }, () => ({ point: at() })));
  write(dir, 'polygons', 5, Array.from({ length: polygons }, (_, i) => {
    const [cx, cy] = at();
    const ring = (r: number, clockwise: boolean): XY[] => {
      const pts: XY[] = [];
      for (let k = 0; k <= 16; k++) {
        const a = ((clockwise ? -1 : 1) * (k % 16) * Math.PI) / 8;
        pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
      }
      return pts;
    };
    return { parts: i % 4 === 0 ? [ring(200, true), ring(50, false)] : [ring(200, true)] };
  }));
}

async function read(dir: string, base: string): Promise<void> {
  const started = process.hrtime.bigint();
  const ds = await openShapefile({
    shp: path.join(dir, `${base}.shp`), shx: path.join(dir, `${base}.shx`), dbf: path.join(dir, `${base}.dbf`), prj: path.join(dir, `${base}.prj`),
  }, { name: base });
  const opened = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let n = 0;
  let bytes = 0;
  for await (const f of ds.features()) {
    n++;
    bytes += f.wkb?.length ?? 0;
  }
  const done = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const openS = Number(opened - started) / 1e9;
  const readS = Number(done - opened) / 1e9;
  console.log(`${base.padEnd(9)} ${n.toLocaleString('en-US').padStart(9)} features  open ${openS.toFixed(2)} s (checks + encoding: ${ds.encoding?.encoding} ${ds.encoding?.confidence}, crs EPSG:${ds.crs.srid})`
    + `  read ${readS.toFixed(2)} s = ${Math.round(n / readS).toLocaleString('en-US')} features/s`
    + `  (${Math.round(n / (openS + readS)).toLocaleString('en-US')}/s with open; CPU ${cpuS.toFixed(2)} s = ${Math.round(n / cpuS).toLocaleString('en-US')}/s),`
    + ` ${(bytes / 2 ** 20).toFixed(0)} MB of WKB`);
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--build') {
  build(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
} else {
  const points = arg('points', 500_000);
  const polygons = arg('polygons', 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-bench-shp-'));
  try {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--build', dir, String(points), String(polygons)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('building the benchmark files failed');
    const size = (f: string) => (fs.statSync(path.join(dir, f)).size / 2 ** 20).toFixed(0);
    console.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s: points.shp ${size('points.shp')} MB + .dbf ${size('points.dbf')} MB, polygons.shp ${size('polygons.shp')} MB + .dbf ${size('polygons.dbf')} MB`);
    const rssBefore = process.memoryUsage().rss;
    await read(dir, 'points');
    await read(dir, 'polygons');
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (${(rssBefore / 2 ** 20).toFixed(0)} MB before reading)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
