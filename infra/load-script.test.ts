// The load script's own rules, without a server: it runs against this machine only, and its arithmetic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorTimeline, loopbackUrl, percentile, runLoad, summarize, tileOf, type RequestRecord } from './load/load.ts';

describe('the load script', () => {
  test('refuses any address that is not this machine', async () => {
    for (const ok of ['http://127.0.0.1:3000', 'http://localhost:8080/', 'http://[::1]:3000', 'http://127.8.0.1']) {
      assert.equal(loopbackUrl(ok).protocol, 'http:');
    }
    for (const bad of ['http://10.0.0.11:3000', 'https://gis.caobang.gov.vn', 'http://127.0.0.1.example.com', 'http://0.0.0.0:3000', 'ftp://127.0.0.1', 'not a url']) {
      assert.throws(() => loopbackUrl(bad), /only runs against this machine|must be a URL/, bad);
    }
    await assert.rejects(runLoad({ url: 'http://192.168.1.10:3000', seconds: 1 }), /only runs against this machine/);
    await assert.rejects(runLoad({ url: 'http://127.0.0.1:9', seconds: 601 }), /between 1 and 600/);
  });

  test('tiles over Cao Bằng and nearest-rank percentiles', () => {
    // Bản Giốc waterfall at z14 (the slippy-map formula, worked out separately).
    assert.deepEqual(tileOf(106.721998, 22.856402, 14), { z: 14, x: 13049, y: 7123 });
    assert.deepEqual(tileOf(105.27, 23.12, 8), { z: 8, x: 202, y: 111 });
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), 9);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
    assert.equal(percentile([], 50), 0);
  });

  test('a 412 after a lost answer is a conflict, not an error; failures are placed in time', () => {
    const records: RequestRecord[] = [
      { kind: 'tile', at: 10, ms: 5, status: 204 },
      { kind: 'tile', at: 1200, ms: 5, status: 503, code: 'database_unavailable' },
      { kind: 'edit', at: 1300, ms: 9, status: 412, code: 'version_conflict' },
      { kind: 'edit', at: 1400, ms: 9, status: 502 },
      { kind: 'import', at: 2100, ms: 20, status: 202 },
    ];
    const { summary, total } = summarize(records, 2);
    const edit = summary.find((s) => s.kind === 'edit')!;
    assert.equal(edit.conflicts, 1);
    assert.equal(edit.errors, 1);
    assert.equal(summary.find((s) => s.kind === 'tile')!.errors, 1);
    assert.equal(total.errors, 2);
    assert.equal(total.perSecond, 2.5);
    const timeline = errorTimeline(records);
    assert.equal(timeline.length, 1);
    assert.match(timeline[0]!, /t=\s+1 s\s+ok\s+1\s+failed /);
    assert.match(timeline[0]!, /1× 503 database_unavailable/);
    assert.match(timeline[0]!, /1× 502(,|$)/);
  });
});
