// A bucket grid over the local metre plane for "nearest thing to here" questions (which road a village joins,
// which river a stream flows into). Brute force would be 10⁷ distance checks; buckets keep it to a handful.
import { toMetres, type Position } from './geometry.ts';

export class PointIndex<T> {
  private readonly buckets = new Map<string, { xy: [number, number]; p: Position; item: T }[]>();
  private count = 0;

  constructor(private readonly cellSize: number) {}

  get size(): number {
    return this.count;
  }

  add(p: Position, item: T): void {
    const xy = toMetres(p);
    const key = `${Math.floor(xy[0] / this.cellSize)},${Math.floor(xy[1] / this.cellSize)}`;
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = []));
    bucket.push({ xy, p, item });
    this.count++;
  }

  /** The nearest entry within `maxDistance` metres, or null. */
  nearest(p: Position, maxDistance: number, accept: (item: T) => boolean = () => true): { p: Position; item: T; distance: number } | null {
    const [x, y] = toMetres(p);
    const reach = Math.ceil(maxDistance / this.cellSize);
    const cx = Math.floor(x / this.cellSize);
    const cy = Math.floor(y / this.cellSize);
    let best: { p: Position; item: T; distance: number } | null = null;
    // Rings of buckets outwards; stop once the ring is farther than the best hit so far.
    for (let r = 0; r <= reach; r++) {
      if (best && (r - 1) * this.cellSize > best.distance) break;
      for (let i = cx - r; i <= cx + r; i++) {
        for (let j = cy - r; j <= cy + r; j++) {
          if (Math.max(Math.abs(i - cx), Math.abs(j - cy)) !== r) continue;
          const bucket = this.buckets.get(`${i},${j}`);
          if (!bucket) continue;
          for (const e of bucket) {
            const d = Math.hypot(e.xy[0] - x, e.xy[1] - y);
            if (d <= maxDistance && (!best || d < best.distance) && accept(e.item)) best = { p: e.p, item: e.item, distance: d };
          }
        }
      }
    }
    return best;
  }

  /** Whether anything lies within `radius` metres. */
  hasWithin(p: Position, radius: number): boolean {
    return this.nearest(p, radius) !== null;
  }
}
