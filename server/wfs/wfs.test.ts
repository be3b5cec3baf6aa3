// WFS 2.0 end to end on the demo data: capabilities under the caller's rights, the XML schema, GetFeature by KVP
// and XML with Filter Encoding checked against SQL, paging, hits, CRSs, GeoJSON, stored queries, and the
// ows:ExceptionReport every bad or hostile request gets — DOCTYPEs and external entities above all.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { DEMO_API_KEY } from '../../infra/demo/accounts.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

let server: TestServer;

const PLACES = 'van_hoa.diem_di_san_dia_chat';
const RIVERS = 'tai_nguyen.song_suoi';
const LAMPS = 'do_thi.den_chieu_sang';
const BTS = 'thong_tin.tram_bts';
const MONITORING = 'tai_nguyen.quan_trac_moi_truong';
const FES = 'xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, isArray: (name) => ['member', 'FeatureType', 'Exception'].includes(name) });

async function kvp(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/wfs?${query}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/wfs`, { method: 'POST', headers: { 'content-type': 'text/xml', ...headers }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const getFeature = (typeName: string, extra = '') => `service=WFS&version=2.0.0&request=GetFeature&typeNames=cb:${typeName}${extra}`;

/** The gml:ids of a FeatureCollection's members, as fids. */
function memberFids(text: string): number[] {
  const doc = xml.parse(text);
  const members = doc.FeatureCollection.member ?? [];
  return members.map((m: Record<string, { '@id': string }>) => Number(Object.values(m)[0]!['@id'].split('.').pop()));
}

async function sqlIds(sql: string, values: unknown[] = []): Promise<number[]> {
  const { rows } = await server.owner.query<{ fid: string | number }>(sql, values);
  return rows.map((r) => Number(r.fid));
}

async function owsException(r: { status: number; headers: Headers; text: string }, status: number, code: string, locator?: string | null, message?: RegExp) {
  assert.equal(r.status, status, r.text.slice(0, 400));
  assert.match(r.headers.get('content-type') ?? '', /^application\/xml/);
  const doc = xml.parse(r.text);
  const e = doc.ExceptionReport.Exception[0];
  assert.equal(doc.ExceptionReport['@version'], '2.0.0');
  assert.equal(e['@exceptionCode'], code, r.text);
  if (locator !== undefined) assert.equal(e['@locator'], locator ?? undefined, r.text);
  assert.ok(String(e.ExceptionText).length > 10);
  if (message) assert.match(String(e.ExceptionText), message);
}

before(async () => {
  server = await startTestServer({ demo: true });
});
after(async () => {
  await server?.close();
});

describe('capabilities and schema', () => {
  test('GetCapabilities lists every public layer, and restricted ones only for those who may read them', async () => {
    const r = await kvp('service=WFS&request=GetCapabilities');
    assert.equal(r.status, 200);
    const types = xml.parse(r.text).WFS_Capabilities.FeatureTypeList.FeatureType.map((t: { Name: string }) => t.Name);
    const { rows } = await server.owner.query<{ id: string }>("select id from catalog.layers where visibility = 'public' order by id");
    assert.deepEqual([...types].sort(), rows.map((x) => `cb:${x.id}`));
    assert.ok(!r.text.includes(BTS) && !r.text.includes(MONITORING));
    const keyed = await kvp('service=WFS&request=GetCapabilities', { authorization: `Bearer ${DEMO_API_KEY}` });
    assert.ok(keyed.text.includes(`cb:${BTS}`));
    assert.ok(!keyed.text.includes(MONITORING));
    const doc = xml.parse(r.text).WFS_Capabilities;
    const constraint = (name: string) => doc.OperationsMetadata.Constraint.find((c: { '@name': string }) => c['@name'] === name)?.DefaultValue;
    assert.equal(constraint('ImplementsResultPaging'), 'TRUE');
    assert.equal(constraint('KVPEncoding'), 'TRUE');
    assert.equal(constraint('ImplementsBasicWFS'), 'FALSE');
    const places = doc.FeatureTypeList.FeatureType.find((t: { Name: string }) => t.Name === `cb:${PLACES}`);
    assert.equal(places.DefaultCRS, 'urn:ogc:def:crs:EPSG::4326');
    assert.ok(places.OtherCRS.includes('urn:ogc:def:crs:EPSG::9210'));
    assert.match(places.Abstract, /Sở Văn hoá, Thể thao và Du lịch.*Nguồn:.*Giấy phép: CC BY 4\.0\. Cập nhật: /);
  });

  test('DescribeFeatureType is an XML schema of the attribute schema; a hidden type is unknown', async () => {
    const r = await kvp(`service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=cb:${PLACES}`);
    assert.equal(r.status, 200);
    const schema = xml.parse(r.text).schema;
    assert.equal(schema['@targetNamespace'], 'https://caobang.gov.vn/gis/features');
    const elements = schema.complexType.complexContent.extension.sequence.element.map((e: { '@name': string }) => e['@name']);
    const { rows } = await server.owner.query(`select array(select a->>'name' from jsonb_array_elements(attributes) a) n from catalog.layers where id = $1`, [PLACES]);
    assert.deepEqual(elements, ['geom', ...rows[0].n]);
    await owsException(await kvp(`service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=cb:${BTS}`), 400, 'InvalidParameterValue', 'typeNames');
    assert.equal((await kvp(`service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=cb:${BTS}`, { 'x-api-key': DEMO_API_KEY })).status, 200);
  });

  test('stored queries: GetFeatureById is listed, described and answers with the bare feature', async () => {
    const list = await kvp('service=WFS&version=2.0.0&request=ListStoredQueries');
    assert.match(list.text, /urn:ogc:def:query:OGC-WFS::GetFeatureById/);
    const described = await kvp('service=WFS&version=2.0.0&request=DescribeStoredQueries&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById');
    assert.match(described.text, /<wfs:Parameter name="ID" type="xs:string"\/>/);
    const one = await kvp(`service=WFS&version=2.0.0&request=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=${PLACES}.1`);
    assert.equal(one.status, 200);
    const f = xml.parse(one.text)[PLACES];
    assert.equal(f['@id'], `${PLACES}.1`);
    assert.equal(f.ten, 'Thác Bản Giốc');
    assert.equal(f.geom.Point.pos, '22.856402 106.721998');
    await owsException(await kvp(`service=WFS&version=2.0.0&request=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=${PLACES}.999999`), 404, 'NotFound');
    await owsException(await kvp(`service=WFS&version=2.0.0&request=GetFeature&STOREDQUERY_ID=urn:ogc:def:query:OGC-WFS::GetFeatureById&ID=${BTS}.1`), 404, 'NotFound');
  });
});

describe('GetFeature', () => {
  test('GML 3.2 in EPSG:4326 (latitude first), with numberMatched, numberReturned and paging by startIndex', async () => {
    const r = await kvp(getFeature(RIVERS, '&count=400'));
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^application\/gml\+xml; version=3\.2/);
    const doc = xml.parse(r.text).FeatureCollection;
    assert.equal(doc['@numberMatched'], '1008');
    assert.equal(doc['@numberReturned'], '400');
    assert.ok(doc['@next'].includes('STARTINDEX=400'));
    const all: number[] = [];
    let next: string | undefined = `${server.url}/wfs?${getFeature(RIVERS, '&count=400')}`;
    while (next) {
      const p: Response = await fetch(next);
      const text: string = await p.text();
      all.push(...memberFids(text));
      next = xml.parse(text).FeatureCollection['@next'];
    }
    assert.deepEqual(all, await sqlIds(`select fid from ${RIVERS} order by fid`));
    const big = await kvp(getFeature(LAMPS, '&count=2000&startIndex=10000'));
    const bigDoc = xml.parse(big.text).FeatureCollection;
    assert.equal(bigDoc['@numberReturned'], '2000');
    assert.deepEqual(memberFids(big.text), await sqlIds(`select fid from ${LAMPS} order by fid offset 10000 limit 2000`));
  });

  test('BBOX (KVP, EPSG:4326 latitude first by default, or with its CRS) selects what SQL selects', async () => {
    const want = await sqlIds(`select fid from ${RIVERS} where st_intersects(geom, st_makeenvelope(105.9,22.5,106.4,22.8,4326)) order by fid`);
    assert.deepEqual(memberFids((await kvp(getFeature(RIVERS, '&bbox=22.5,105.9,22.8,106.4&count=5000'))).text), want);
    assert.deepEqual(memberFids((await kvp(getFeature(RIVERS, '&bbox=105.9,22.5,106.4,22.8,urn:ogc:def:crs:OGC:1.3:CRS84&count=5000'))).text), want);
    const vn = await kvp(getFeature(RIVERS, '&bbox=560000,2480000,600000,2520000,urn:ogc:def:crs:EPSG::9210&count=5000'));
    assert.deepEqual(memberFids(vn.text), await sqlIds(`select fid from ${RIVERS} where st_intersects(geom, st_transform(st_segmentize(st_makeenvelope(560000,2480000,600000,2520000,9210), 1000), 4326)) order by fid`));
  });

  test('Filter Encoding 2.0 by KVP and by POST: comparisons, Like, Between, Null, And/Or/Not, BBOX, Intersects, DWithin, ResourceId', async () => {
    const cases: [string, string][] = [
      [`<fes:PropertyIsEqualTo><fes:ValueReference>cb:loai</fes:ValueReference><fes:Literal>Hang động</fes:Literal></fes:PropertyIsEqualTo>`, "loai = 'Hang động'"],
      [`<fes:PropertyIsEqualTo matchCase="false"><fes:ValueReference>loai</fes:ValueReference><fes:Literal>HANG ĐỘNG</fes:Literal></fes:PropertyIsEqualTo>`, "lower(loai) = 'hang động'"],
      [`<fes:PropertyIsLike wildCard="*" singleChar="?" escapeChar="\\"><fes:ValueReference>ten</fes:ValueReference><fes:Literal>Hang*</fes:Literal></fes:PropertyIsLike>`, "ten like 'Hang%'"],
      [`<fes:And><fes:PropertyIsNotEqualTo><fes:ValueReference>xep_hang</fes:ValueReference><fes:Literal>Chưa xếp hạng</fes:Literal></fes:PropertyIsNotEqualTo><fes:Not><fes:PropertyIsNull><fes:ValueReference>xa</fes:ValueReference></fes:PropertyIsNull></fes:Not></fes:And>`, "xep_hang <> 'Chưa xếp hạng' and xa is not null"],
      [`<fes:Or><fes:PropertyIsEqualTo><fes:ValueReference>loai</fes:ValueReference><fes:Literal>Thác nước</fes:Literal></fes:PropertyIsEqualTo><fes:BBOX><fes:ValueReference>geom</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>22.8 106.6</gml:lowerCorner><gml:upperCorner>22.9 106.8</gml:upperCorner></gml:Envelope></fes:BBOX></fes:Or>`, "loai = 'Thác nước' or st_intersects(geom, st_makeenvelope(106.6, 22.8, 106.8, 22.9, 4326))"],
      [`<fes:Intersects><fes:ValueReference>geom</fes:ValueReference><gml:Polygon srsName="http://www.opengis.net/def/crs/OGC/1.3/CRS84"><gml:exterior><gml:LinearRing><gml:posList>106.5 22.7 106.9 22.7 106.9 23 106.5 23 106.5 22.7</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></fes:Intersects>`, "st_intersects(geom, 'SRID=4326;POLYGON((106.5 22.7,106.9 22.7,106.9 23,106.5 23,106.5 22.7))'::geometry)"],
      [`<fes:DWithin><fes:ValueReference>geom</fes:ValueReference><gml:Point srsName="urn:ogc:def:crs:EPSG::9210"><gml:pos>599554 2528819</gml:pos></gml:Point><fes:Distance uom="m">1000</fes:Distance></fes:DWithin>`, "st_dwithin(geom::geography, st_transform('SRID=9210;POINT(599554 2528819)'::geometry, 4326)::geography, 1000)"],
      [`<fes:ResourceId rid="${PLACES}.3"/><fes:ResourceId rid="${PLACES}.8"/><fes:ResourceId rid="${RIVERS}.9"/>`, 'fid in (3, 8)'],
    ];
    for (const [predicate, where] of cases) {
      const want = await sqlIds(`select fid from ${PLACES} where ${where} order by fid`);
      assert.ok(want.length > 0, where);
      const filter = `<fes:Filter ${FES}>${predicate}</fes:Filter>`;
      assert.deepEqual(memberFids((await kvp(getFeature(PLACES, `&count=1000&FILTER=${encodeURIComponent(filter)}`))).text), want, `KVP ${where}`);
      const body = `<?xml version="1.0" encoding="UTF-8"?><wfs:GetFeature service="WFS" version="2.0.0" count="1000" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:cb="https://caobang.gov.vn/gis/features">` +
        `<wfs:Query typeNames="cb:${PLACES}">${filter}</wfs:Query></wfs:GetFeature>`;
      const r = await post(body);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      assert.deepEqual(memberFids(r.text), want, `POST ${where}`);
    }
    const between = `<fes:Filter ${FES}><fes:PropertyIsBetween><fes:ValueReference>cong_suat_w</fes:ValueReference><fes:LowerBoundary><fes:Literal>100</fes:Literal></fes:LowerBoundary><fes:UpperBoundary><fes:Literal>110</fes:Literal></fes:UpperBoundary></fes:PropertyIsBetween></fes:Filter>`;
    const hits = await kvp(getFeature(LAMPS, `&resultType=hits&FILTER=${encodeURIComponent(between)}`));
    const { rows } = await server.owner.query(`select count(*)::int n from ${LAMPS} where cong_suat_w between 100 and 110`);
    assert.equal(xml.parse(hits.text).FeatureCollection['@numberMatched'], String(rows[0].n));
    assert.equal(xml.parse(hits.text).FeatureCollection['@numberReturned'], '0');
  });

  test('srsName, PROPERTYNAME and outputFormat application/json', async () => {
    const vn = await kvp(getFeature(PLACES, `&RESOURCEID=${PLACES}.1&srsName=urn:ogc:def:crs:EPSG::9210`));
    const pos = String(xml.parse(vn.text).FeatureCollection.member[0][PLACES].geom.Point.pos).split(' ').map(Number);
    assert.ok(Math.abs(pos[0]! - 599_554) < 1 && Math.abs(pos[1]! - 2_528_819) < 1, pos.join(' '));
    const legacy = await kvp(getFeature(PLACES, `&RESOURCEID=${PLACES}.1&srsName=EPSG:4326`));
    assert.equal(xml.parse(legacy.text).FeatureCollection.member[0][PLACES].geom.Point.pos, '106.721998 22.856402');
    const some = await kvp(getFeature(PLACES, `&RESOURCEID=${PLACES}.1&PROPERTYNAME=cb:ten,cb:xa`));
    const f = xml.parse(some.text).FeatureCollection.member[0][PLACES];
    assert.deepEqual(Object.keys(f).filter((k) => !k.startsWith('@')), ['geom', 'ten', 'xa']);
    const json = await kvp(getFeature(PLACES, '&outputFormat=application/json&count=5'));
    assert.match(json.headers.get('content-type')!, /^application\/geo\+json/);
    const fc = JSON.parse(json.text);
    assert.equal(fc.features.length, 5);
    assert.deepEqual(fc.features[0].geometry.coordinates, [106.721998, 22.856402]);
    assert.equal(fc.numberMatched, (await sqlIds(`select fid from ${PLACES}`)).length);
    assert.ok(fc.links[0].href.includes('STARTINDEX=5'));
  });

  test('the demo key reads the restricted BTS layer; nobody else does', async () => {
    await owsException(await kvp(getFeature(BTS)), 400, 'InvalidParameterValue', 'typeNames', /does not exist or is not visible/);
    const keyed = await kvp(getFeature(BTS, '&count=1000'), { 'x-api-key': DEMO_API_KEY });
    assert.deepEqual(memberFids(keyed.text), await sqlIds(`select fid from ${BTS} order by fid`));
    await owsException(await kvp(getFeature(MONITORING), { 'x-api-key': DEMO_API_KEY }), 400, 'InvalidParameterValue', 'typeNames');
    await owsException(await kvp(getFeature(BTS), { 'x-api-key': 'cbk_not_a_key' }), 401, 'NoApplicableCode');
  });
});

describe('anonymous GetFeature follows committed changes at once', () => {
  // Anonymous requests take the layer from the shared read of the public catalog (server/ogc/shared-catalog.ts),
  // which starts after the request arrives: a change committed just before must show.
  test('a layer made restricted is gone, back when public again; a new attribute value shows', async () => {
    for (let i = 0; i < 5; i++) {
      const before = await kvp(getFeature(PLACES, '&count=2&outputFormat=application/json'));
      assert.equal(before.status, 200, before.text.slice(0, 300));
      await server.owner.query(`update catalog.layers set visibility = 'restricted' where id = $1`, [PLACES]);
      await owsException(await kvp(getFeature(PLACES, '&count=2')), 400, 'InvalidParameterValue', 'typeNames');
      await owsException(await kvp(getFeature(PLACES, '&count=2&outputFormat=application/json')), 400, 'InvalidParameterValue', 'typeNames');
      await server.owner.query(`update catalog.layers set visibility = 'public' where id = $1`, [PLACES]);
      const again = await kvp(getFeature(PLACES, '&count=2&outputFormat=application/json'));
      assert.equal(again.status, 200);
      const fid = JSON.parse(again.text).features[0].id;
      await server.owner.query(`update ${PLACES} set ten = ten || '.' where fid = $1`, [fid]);
      const edited = JSON.parse((await kvp(getFeature(PLACES, '&count=2&outputFormat=application/json'))).text);
      assert.match(edited.features[0].properties.ten, /\.$/);
      await server.owner.query(`update ${PLACES} set ten = left(ten, -1) where fid = $1`, [fid]);
    }
    // A restricted layer: not there for anonymous callers, read with the demo key (its own transaction, RLS).
    assert.equal((await kvp(getFeature(BTS, '&count=1'), { 'x-api-key': DEMO_API_KEY })).status, 200);
    await owsException(await kvp(getFeature(BTS, '&count=1')), 400, 'InvalidParameterValue', 'typeNames');
  });
});

describe('bad requests get an ows:ExceptionReport with a 4xx', () => {
  test('operations, parameters, versions, formats', async () => {
    await owsException(await kvp('request=GetCapabilities'), 400, 'MissingParameterValue', 'service');
    await owsException(await kvp('service=WFS'), 400, 'MissingParameterValue', 'request');
    await owsException(await kvp('service=WFS&version=2.0.0&request=Transaction'), 400, 'OperationNotSupported', 'request');
    await owsException(await kvp('service=WFS&version=2.0.0&request=GetPropertyValue'), 400, 'OperationNotSupported');
    await owsException(await kvp('service=WMS&request=GetCapabilities'), 400, 'InvalidParameterValue', 'service');
    await owsException(await kvp('service=WFS&request=GetCapabilities&acceptVersions=1.1.0'), 400, 'VersionNegotiationFailed');
    await owsException(await kvp(`service=WFS&version=1.1.0&request=GetFeature&typeName=cb:${PLACES}`), 400, 'InvalidParameterValue', 'version');
    await owsException(await kvp(getFeature(PLACES, '&outputFormat=shape-zip')), 400, 'InvalidParameterValue', 'outputFormat', /not offered/);
    await owsException(await kvp(getFeature('khong.ton_tai')), 400, 'InvalidParameterValue', 'typeNames');
    await owsException(await kvp(getFeature(PLACES, '&bbox=1,2,3')), 400, 'InvalidParameterValue', 'bbox');
    await owsException(await kvp(getFeature(PLACES, '&bbox=1,2,3,4,EPSG:2154')), 400, 'InvalidParameterValue', 'bbox');
    await owsException(await kvp(getFeature(PLACES, '&srsName=EPSG:2154')), 400, 'InvalidParameterValue', 'srsName');
    await owsException(await kvp(getFeature(PLACES, '&count=-1')), 400, 'InvalidParameterValue', 'count');
    await owsException(await kvp(getFeature(PLACES, '&sortBy=ten')), 400, 'OptionNotSupported');
    await owsException(await kvp(getFeature(PLACES, '&PROPERTYNAME=mat_khau')), 400, 'InvalidParameterValue', 'propertyName');
    await owsException(await kvp(getFeature(PLACES, `&RESOURCEID=${PLACES}`)), 400, 'InvalidParameterValue');
    await owsException(await kvp('service=WFS&version=2.0.0&request=GetFeature&STOREDQUERY_ID=urn:x:DropTables&ID=1'), 400, 'InvalidParameterValue');
    await owsException({ ...(await kvp('')), status: 400 }, 400, 'MissingParameterValue');
    const res = await fetch(`${server.url}/wfs/nope`);
    await owsException({ status: res.status, headers: res.headers, text: await res.text() }, 404, 'NotFound');
  });

  test('XML bodies: a DOCTYPE, an internal or external entity, malformed XML, deep nesting and 2 000 nested Ands are refused', async () => {
    const gf = (inner: string) => `<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:Query typeNames="cb:${PLACES}">${inner}</wfs:Query></wfs:GetFeature>`;
    const external = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${gf(`<fes:Filter ${FES}><fes:PropertyIsEqualTo><fes:ValueReference>ten</fes:ValueReference><fes:Literal>&xxe;</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`)}`;
    for (const body of [
      external,
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${gf('')}`,
      `<!doctype x SYSTEM "http://example.invalid/x.dtd">${gf('')}`,
      `${gf('').replace('<wfs:Query', '<!ENTITY x "y"><wfs:Query')}`,
    ]) {
      const r = await post(body);
      await owsException(r, 400, 'OperationParsingFailed', undefined, /DOCTYPE and ENTITY declarations are not accepted/);
      assert.ok(!r.text.includes('root:'), 'no file content leaks');
    }
    // The same refusal for a FILTER parameter.
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${encodeURIComponent(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><fes:Filter ${FES}><fes:PropertyIsEqualTo><fes:ValueReference>ten</fes:ValueReference><fes:Literal>&e;</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`)}`)), 400, 'OperationParsingFailed');
    await owsException(await post('<wfs:GetFeature service="WFS"><wfs:Query>'), 400, 'OperationParsingFailed', undefined, /not well-formed/);
    await owsException(await post('not xml at all'), 400, 'OperationParsingFailed');
    const nestedAnds = `<fes:Filter ${FES}>${'<fes:And><fes:PropertyIsEqualTo><fes:ValueReference>ten</fes:ValueReference><fes:Literal>x</fes:Literal></fes:PropertyIsEqualTo>'.repeat(2000)}${'</fes:And>'.repeat(2000)}</fes:Filter>`;
    await owsException(await post(gf(nestedAnds)), 400, 'OperationParsingFailed', undefined, /nested too deeply/);
    // The same filter in a URL is over what the HTTP parser reads (16 KB): refused before any route, still as an
    // exception report that says to POST it.
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${encodeURIComponent(nestedAnds)}`)), 414, 'OperationParsingFailed', undefined,
      /URL are larger than the 16 KB this server reads.*POST/);
    const wide = `<fes:Filter ${FES}><fes:Or>${'<fes:PropertyIsEqualTo><fes:ValueReference>ten</fes:ValueReference><fes:Literal>x</fes:Literal></fes:PropertyIsEqualTo>'.repeat(2000)}</fes:Or></fes:Filter>`;
    await owsException(await post(gf(wide)), 400, 'OperationProcessingFailed', 'filter', /too large/);
    await owsException(await post('{"a":1}', { 'content-type': 'application/json' }), 400, 'MissingParameterValue', undefined, /as XML/);
  });

  test('injection through the filter: functions as property names (CVE-2024-36401, CVE-2023-25157), fes:Function, SQL in literals', async () => {
    const before = await sqlIds(`select fid from ${PLACES} order by fid`);
    const filter = (inner: string) => encodeURIComponent(`<fes:Filter ${FES}>${inner}</fes:Filter>`);
    const eq = (ref: string, lit: string) => `<fes:PropertyIsEqualTo><fes:ValueReference>${ref}</fes:ValueReference><fes:Literal>${lit}</fes:Literal></fes:PropertyIsEqualTo>`;
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter(eq("exec(java.lang.Runtime.getRuntime(),'id')", '1'))}`)), 400, 'InvalidParameterValue', 'filter', /not a property name/);
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter(eq('strSubstring(ten,0,1)', 'T'))}`)), 400, 'InvalidParameterValue', 'filter');
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter(eq('ten[1]', 'T'))}`)), 400, 'InvalidParameterValue', 'filter');
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter(eq('mat_khau', 'x'))}`)), 400, 'InvalidParameterValue', 'filter', /not a queryable/);
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter(eq('ten"; drop table x; --', 'x'))}`)), 400, 'InvalidParameterValue', 'filter');
    await owsException(await kvp(getFeature(PLACES, `&FILTER=${filter('<fes:PropertyIsEqualTo><fes:Function name="strSubstring"><fes:ValueReference>ten</fes:ValueReference></fes:Function><fes:Literal>T</fes:Literal></fes:PropertyIsEqualTo>')}`)), 400, 'InvalidParameterValue', 'filter', /fes:Function is not supported/);
    const sqlish = await kvp(getFeature(PLACES, `&FILTER=${filter(eq('ten', "x' OR '1'='1"))}`));
    assert.equal(sqlish.status, 200);
    assert.deepEqual(memberFids(sqlish.text), []);
    const typed = await kvp(getFeature(LAMPS, `&FILTER=${filter(eq('cong_suat_w', '1; select pg_sleep(5)'))}`));
    await owsException(typed, 400, 'InvalidParameterValue', 'filter', /is not a whole number/);
    assert.deepEqual(await sqlIds(`select fid from ${PLACES} order by fid`), before);
  });
});
