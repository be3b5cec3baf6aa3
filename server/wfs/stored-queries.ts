// The one stored query every WFS 2.0 server has: GetFeatureById (urn:ogc:def:query:OGC-WFS::GetFeatureById), which
// answers with the bare feature. ListStoredQueries and DescribeStoredQueries describe it.
import { NAMESPACES, NS_PREFIX, NS_URI, qualified } from './names.ts';
import { GET_FEATURE_BY_ID } from './request.ts';
import { WfsError } from './exceptions.ts';

export function listStoredQueries(typeNames: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:ListStoredQueriesResponse xmlns:wfs="${NAMESPACES.wfs}" xmlns:${NS_PREFIX}="${NS_URI}">
  <wfs:StoredQuery id="${GET_FEATURE_BY_ID}">
    <wfs:Title>Get feature by identifier</wfs:Title>
${typeNames.map((t) => `    <wfs:ReturnFeatureType>${qualified(t)}</wfs:ReturnFeatureType>`).join('\n')}
  </wfs:StoredQuery>
</wfs:ListStoredQueriesResponse>
`;
}

export function describeStoredQueries(ids: string[] | null, typeNames: string[]): string {
  for (const id of ids ?? []) {
    if (id !== GET_FEATURE_BY_ID) throw new WfsError('InvalidParameterValue', `Unknown stored query '${id.slice(0, 80)}'; this server has ${GET_FEATURE_BY_ID}.`, 'storedQuery_id');
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:DescribeStoredQueriesResponse xmlns:wfs="${NAMESPACES.wfs}" xmlns:xs="${NAMESPACES.xs}" xmlns:${NS_PREFIX}="${NS_URI}">
  <wfs:StoredQueryDescription id="${GET_FEATURE_BY_ID}">
    <wfs:Title>Get feature by identifier</wfs:Title>
    <wfs:Abstract>Returns the single feature whose gml:id is ID (typeName.number, e.g. giao_thong.quoc_lo.1).</wfs:Abstract>
    <wfs:Parameter name="ID" type="xs:string"/>
    <wfs:QueryExpressionText returnFeatureTypes="${typeNames.map(qualified).join(' ')}" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" isPrivate="true"/>
  </wfs:StoredQueryDescription>
</wfs:DescribeStoredQueriesResponse>
`;
}
