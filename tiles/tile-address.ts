// A tile's z/x/y as the URL gives them: whole numbers inside the XYZ pyramid, or a 400 that says what is allowed.
import { badRequest } from '../server/errors.ts';

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

export const MAX_TILE_ZOOM = 24;

// Digits only: Number() would also accept '1e3', ' 7', '0x1f' and '-0', none of which name a tile.
const wholeNumber = /^\d{1,8}$/;

export function parseTileAddress(params: { z: string; x: string; y: string }): TileAddress {
  const { z, x, y } = params;
  if (wholeNumber.test(z) && wholeNumber.test(x) && wholeNumber.test(y)) {
    const tile = { z: Number(z), x: Number(x), y: Number(y) };
    const size = 2 ** tile.z;
    if (tile.z <= MAX_TILE_ZOOM && tile.x < size && tile.y < size) return tile;
  }
  const zoom = wholeNumber.test(z) && Number(z) <= MAX_TILE_ZOOM ? Number(z) : null;
  const range = zoom === null ? 'from 0 to 2^z − 1' : `from 0 to ${2 ** zoom - 1} at zoom ${zoom}`;
  throw badRequest(
    'invalid_tile',
    `A tile address is z/x/y in whole numbers: z from 0 to ${MAX_TILE_ZOOM}, x and y ${range}.`,
    { z: z.slice(0, 20), x: x.slice(0, 20), y: y.slice(0, 20) },
  );
}

export function tileKey(tile: TileAddress): string {
  return `${tile.z}/${tile.x}/${tile.y}`;
}
