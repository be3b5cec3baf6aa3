// ESRI Shapefile (.shp + .shx) from WKB, record by record into spool files; the headers (file length, extent) are
// patched in at the end. Polygons arrive with clockwise outer rings (export-sql.ts), as the format wants.
import type { GeometryFamily } from '../catalog/catalog.ts';
import type { SpoolFile } from './spool-file.ts';
import { parseWkb } from './wkb.ts';

const SHAPE_TYPE: Record<GeometryFamily, number> = { point: 1, line: 3, polygon: 5 };

export class ShapeWriter {
  readonly shapeType: number;
  #count = 0;
  #box = [Infinity, Infinity, -Infinity, -Infinity];

  constructor(private readonly shp: SpoolFile, private readonly shx: SpoolFile, family: GeometryFamily) {
    this.shapeType = SHAPE_TYPE[family];
  }

  async start(): Promise<void> {
    await this.shp.append(Buffer.alloc(100));
    await this.shx.append(Buffer.alloc(100));
  }

  #header(fileBytes: number): Buffer {
    const h = Buffer.alloc(100);
    h.writeInt32BE(9994, 0);
    h.writeInt32BE(fileBytes / 2, 24);
    h.writeInt32LE(1000, 28);
    h.writeInt32LE(this.shapeType, 32);
    const [xmin, ymin, xmax, ymax] = this.#count > 0 ? this.#box : [0, 0, 0, 0];
    h.writeDoubleLE(xmin!, 36);
    h.writeDoubleLE(ymin!, 44);
    h.writeDoubleLE(xmax!, 52);
    h.writeDoubleLE(ymax!, 60);
    return h;
  }

  #grow(x: number, y: number, box: number[]): void {
    if (x < box[0]!) box[0] = x;
    if (y < box[1]!) box[1] = y;
    if (x > box[2]!) box[2] = x;
    if (y > box[3]!) box[3] = y;
  }

  async add(wkb: Buffer): Promise<void> {
    const g = parseWkb(wkb);
    let content: Buffer;
    if (this.shapeType === 1) {
      const p = g.parts[0]!;
      content = Buffer.alloc(20);
      content.writeInt32LE(1, 0);
      content.writeDoubleLE(p[0]!, 4);
      content.writeDoubleLE(p[1]!, 12);
      this.#grow(p[0]!, p[1]!, this.#box);
    } else {
      const points = g.parts.reduce((s, p) => s + p.length / 2, 0);
      content = Buffer.alloc(44 + 4 * g.parts.length + 16 * points);
      content.writeInt32LE(this.shapeType, 0);
      const box = [Infinity, Infinity, -Infinity, -Infinity];
      content.writeInt32LE(g.parts.length, 36);
      content.writeInt32LE(points, 40);
      let index = 0;
      let o = 44 + 4 * g.parts.length;
      g.parts.forEach((part, i) => {
        content.writeInt32LE(index, 44 + 4 * i);
        for (let j = 0; j < part.length; j += 2) {
          content.writeDoubleLE(part[j]!, o);
          content.writeDoubleLE(part[j + 1]!, o + 8);
          this.#grow(part[j]!, part[j + 1]!, box);
          o += 16;
        }
        index += part.length / 2;
      });
      box.forEach((v, i) => content.writeDoubleLE(v, 4 + 8 * i));
      this.#grow(box[0]!, box[1]!, this.#box);
      this.#grow(box[2]!, box[3]!, this.#box);
    }
    this.#count++;
    const record = Buffer.alloc(8);
    record.writeInt32BE(this.#count, 0);
    record.writeInt32BE(content.length / 2, 4);
    const index = Buffer.alloc(8);
    index.writeInt32BE(this.shp.length / 2, 0);
    index.writeInt32BE(content.length / 2, 4);
    await this.shx.append(index);
    await this.shp.append(record);
    await this.shp.append(content);
    if (this.shp.length > 0x7fff_fffe) throw new Error('The .shp would pass 2 GB, the format\'s limit: download GeoPackage instead');
  }

  async finish(): Promise<void> {
    await this.shp.patch(0, this.#header(this.shp.length));
    await this.shx.patch(0, this.#header(this.shx.length));
  }
}
