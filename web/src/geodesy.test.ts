import assert from 'node:assert/strict';
import { test } from 'node:test';
import { area as turfArea, length as turfLength, lineString, polygon } from '@turf/turf';
import { distanceMetres, pathLengthMetres, perimeterMetres, polygonAreaSquareMetres, type LngLatPair } from './geodesy.ts';

const banGioc: LngLatPair = [106.721998, 22.856402];
const caoBangCity: LngLatPair = [106.2525, 22.6657];

test('distances agree with turf to the centimetre', () => {
  const path: LngLatPair[] = [caoBangCity, [106.45, 22.75], banGioc];
  const ours = pathLengthMetres(path);
  const theirs = turfLength(lineString(path), { units: 'kilometers' }) * 1000;
  assert.ok(Math.abs(ours - theirs) < 0.01, `${ours} vs ${theirs}`);
  // From the city to the waterfall as the crow flies: about 52 km.
  assert.ok(Math.abs(distanceMetres(caoBangCity, banGioc) - 52_000) < 1_500, String(distanceMetres(caoBangCity, banGioc)));
});

test('a square of 0.01° at Cao Bằng is about 1.1 km × 1.0 km, as turf says', () => {
  const ring: LngLatPair[] = [[106.25, 22.66], [106.26, 22.66], [106.26, 22.67], [106.25, 22.67]];
  const ours = polygonAreaSquareMetres(ring);
  const theirs = turfArea(polygon([[...ring, ring[0]!]]));
  assert.ok(Math.abs(ours - theirs) / theirs < 1e-9, `${ours} vs ${theirs}`);
  assert.ok(ours > 1.1e6 && ours < 1.2e6, String(ours));
  assert.equal(polygonAreaSquareMetres(ring.slice(0, 2)), 0);
  assert.equal(polygonAreaSquareMetres([...ring].reverse()), ours, 'the direction of drawing does not matter');
  assert.ok(Math.abs(perimeterMetres(ring) - pathLengthMetres([...ring, ring[0]!])) < 1e-9);
});
