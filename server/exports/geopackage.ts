// GeoPackage 1.3 written directly with SQLite (better-sqlite3): the required tables (gpkg_spatial_ref_sys,
// gpkg_contents, gpkg_geometry_columns) and one feature table. Geometry blobs come ready from the database
// (export-sql.ts), so this file only inserts rows, a transaction per batch.
import Database from 'better-sqlite3';
import type { AttributeType } from '../catalog/attributes.ts';
import type { GeometryFamily } from '../catalog/catalog.ts';

const sqliteTypes: Record<AttributeType, string> = {
  text: 'TEXT',
  integer: 'INTEGER',
  number: 'REAL',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'DATETIME',
};

const geometryTypes: Record<GeometryFamily, string> = { point: 'POINT', line: 'MULTILINESTRING', polygon: 'MULTIPOLYGON' };

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface GpkgColumn {
  name: string;
  type: AttributeType;
}

export interface GpkgLayer {
  table: string;
  identifier: string;
  description: string;
  family: GeometryFamily;
  srid: number;
  srsName: string;
  srsWkt: string;
  columns: GpkgColumn[];
}

export class GeoPackageWriter {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #types: AttributeType[];
  #extent = [Infinity, Infinity, -Infinity, -Infinity];

  constructor(path: string, private readonly layer: GpkgLayer) {
    this.#db = new Database(path);
    this.#db.pragma('application_id = 1196444487'); // 'GPKG'
    this.#db.pragma('user_version = 10300');
    this.#db.pragma('journal_mode = OFF');
    this.#db.pragma('synchronous = OFF');
    this.#db.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
    `);
    const srs = this.#db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    srs.run('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
    srs.run('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
    srs.run(layer.srsName, layer.srid, 'EPSG', layer.srid, layer.srsWkt, layer.srsName);
    const t = quote(layer.table);
    const columns = layer.columns.map((c) => `, ${quote(c.name)} ${sqliteTypes[c.type]}`).join('');
    this.#db.exec(`CREATE TABLE ${t} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom ${geometryTypes[layer.family]}${columns})`);
    // Contents first: gpkg_geometry_columns refers to it. The extent is filled in at the end.
    this.#db.prepare(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, ?)`)
      .run(layer.table, layer.identifier, layer.description, layer.srid);
    this.#db.prepare(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`).run(layer.table, geometryTypes[layer.family], layer.srid);
    this.#insert = this.#db.prepare(`INSERT INTO ${t} (fid, geom${layer.columns.map((c) => `, ${quote(c.name)}`).join('')}) VALUES (?, ?${', ?'.repeat(layer.columns.length)})`);
    this.#types = layer.columns.map((c) => c.type);
  }

  /** One batch of rows in one transaction: fid, the GeoPackage geometry blob, attribute values as text. */
  addBatch(rows: { fid: number; blob: Buffer; values: (string | null)[] }[]): void {
    const run = this.#db.transaction(() => {
      for (const r of rows) {
        const values = r.values.map((v, i) => {
          if (v === null) return null;
          switch (this.#types[i]) {
            case 'integer':
              return BigInt(v);
            case 'number':
              return Number(v);
            case 'boolean':
              return v === 'true' ? 1 : 0;
            default:
              return v;
          }
        });
        this.#insert.run(r.fid, r.blob, ...values);
        // The blob's envelope (after 'GP', version, flags and the SRS id): minx, maxx, miny, maxy, big-endian.
        const e = this.#extent;
        const minx = r.blob.readDoubleBE(8);
        const maxx = r.blob.readDoubleBE(16);
        const miny = r.blob.readDoubleBE(24);
        const maxy = r.blob.readDoubleBE(32);
        if (minx < e[0]!) e[0] = minx;
        if (miny < e[1]!) e[1] = miny;
        if (maxx > e[2]!) e[2] = maxx;
        if (maxy > e[3]!) e[3] = maxy;
      }
    });
    run();
  }

  finish(): void {
    const [minx, miny, maxx, maxy] = Number.isFinite(this.#extent[0]!) ? this.#extent : [null, null, null, null];
    this.#db.prepare(`UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?`)
      .run(minx, miny, maxx, maxy, this.layer.table);
    this.#db.close();
  }

  abort(): void {
    if (this.#db.open) this.#db.close();
  }
}
