// GetCapabilities: the service, its operations and constraints, every feature type the caller may see (a restricted
// layer is simply absent for others: the catalog query is under RLS), and the filter capabilities — each
// constraint declared TRUE is implemented by this folder.
import type { Bbox } from '../catalog/extent.ts';
import type { Layer } from '../catalog/catalog.ts';
import { EPSG_4326, SUPPORTED_CRS } from '../features/crs.ts';
import { FES_COMPARISON_OPERATORS, FES_SPATIAL_OPERATORS } from './fes.ts';
import { NAMESPACES, NS_PREFIX, NS_URI, qualified } from './names.ts';
import { OUTPUT_FORMATS, WFS_VERSION } from './request.ts';
import { escapeXml } from './xml.ts';

const constraint = (name: string, value: string) =>
  `<ows:Constraint name="${name}"><ows:NoValues/><ows:DefaultValue>${value}</ows:DefaultValue></ows:Constraint>`;

const operation = (name: string, url: string, params = '') =>
  `<ows:Operation name="${name}"><ows:DCP><ows:HTTP><ows:Get xlink:href="${escapeXml(`${url}?`)}"/><ows:Post xlink:href="${escapeXml(url)}"/></ows:HTTP></ows:DCP>${params}</ows:Operation>`;

const allowed = (name: string, values: string[]) =>
  `<ows:Parameter name="${name}"><ows:AllowedValues>${values.map((v) => `<ows:Value>${escapeXml(v)}</ows:Value>`).join('')}</ows:AllowedValues></ows:Parameter>`;

export interface CapabilitiesInput {
  url: string;
  layers: { layer: Layer; extent: Bbox | null }[];
  defaultCount: number;
  maxCount: number;
}

function featureType({ layer, extent }: CapabilitiesInput['layers'][number], url: string): string {
  const others = SUPPORTED_CRS.filter((c) => c !== EPSG_4326).map((c) => `<OtherCRS>${c.urn}</OtherCRS>`).join('');
  const bbox = extent
    ? `<ows:WGS84BoundingBox><ows:LowerCorner>${extent[0]} ${extent[1]}</ows:LowerCorner><ows:UpperCorner>${extent[2]} ${extent[3]}</ows:UpperCorner></ows:WGS84BoundingBox>`
    : '';
  const base = url.replace(/\/wfs$/, '');
  const abstract = `${layer.descriptionVi} — ${layer.owner.nameVi}. Nguồn: ${layer.source}. Căn cứ: ${layer.legalBasis}. Giấy phép: ${layer.licence}. Cập nhật: ${layer.dataUpdatedAt.toISOString()}.`;
  return `<FeatureType><Name>${qualified(layer.id)}</Name><Title>${escapeXml(layer.titleVi)}</Title><Abstract>${escapeXml(abstract)}</Abstract>` +
    `<ows:Keywords><ows:Keyword>${escapeXml(layer.sector.titleVi)}</ows:Keyword><ows:Keyword>${escapeXml(layer.owner.nameVi)}</ows:Keyword></ows:Keywords>` +
    `<DefaultCRS>${EPSG_4326.urn}</DefaultCRS>${others}` +
    `<OutputFormats>${OUTPUT_FORMATS.map((f) => `<Format>${escapeXml(f)}</Format>`).join('')}</OutputFormats>${bbox}` +
    `<MetadataURL xlink:href="${escapeXml(`${base}/ogc/collections/${encodeURIComponent(layer.id)}`)}"/></FeatureType>`;
}

export function capabilitiesDocument(input: CapabilitiesInput): string {
  const { url } = input;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:WFS_Capabilities version="${WFS_VERSION}" xmlns:wfs="${NAMESPACES.wfs}" xmlns="${NAMESPACES.wfs}" xmlns:ows="${NAMESPACES.ows}" xmlns:fes="${NAMESPACES.fes}" xmlns:gml="${NAMESPACES.gml}" xmlns:xlink="${NAMESPACES.xlink}" xmlns:xsi="${NAMESPACES.xsi}" xmlns:${NS_PREFIX}="${NS_URI}" xsi:schemaLocation="${NAMESPACES.wfs} http://schemas.opengis.net/wfs/2.0/wfs.xsd">
<ows:ServiceIdentification>
  <ows:Title>Cơ sở dữ liệu chuyên ngành tỉnh Cao Bằng (WFS)</ows:Title>
  <ows:Abstract>Dữ liệu địa lý của các sở, ngành tỉnh Cao Bằng theo Quyết định 34/2024/QĐ-UBND. Geographic data of the sector departments of Cao Bằng province. Each feature type names its owner, source, legal basis, licence and last update.</ows:Abstract>
  <ows:Keywords><ows:Keyword>Cao Bằng</ows:Keyword><ows:Keyword>VN-2000</ows:Keyword></ows:Keywords>
  <ows:ServiceType>WFS</ows:ServiceType>
  <ows:ServiceTypeVersion>${WFS_VERSION}</ows:ServiceTypeVersion>
  <ows:Fees>NONE</ows:Fees>
  <ows:AccessConstraints>Public layers: open. Restricted layers: authorised agencies and API clients only (Điều 8.2).</ows:AccessConstraints>
</ows:ServiceIdentification>
<ows:ServiceProvider>
  <ows:ProviderName>Trung tâm Công nghệ số và Truyền thông, Sở Thông tin và Truyền thông Cao Bằng</ows:ProviderName>
  <ows:ServiceContact><ows:ContactInfo><ows:Address><ows:City>Cao Bằng</ows:City><ows:Country>Việt Nam</ows:Country></ows:Address></ows:ContactInfo></ows:ServiceContact>
</ows:ServiceProvider>
<ows:OperationsMetadata>
  ${operation('GetCapabilities', url, allowed('AcceptVersions', [WFS_VERSION]) + allowed('AcceptFormats', ['text/xml']))}
  ${operation('DescribeFeatureType', url, allowed('outputFormat', [OUTPUT_FORMATS[0]!]))}
  ${operation('GetFeature', url, allowed('outputFormat', OUTPUT_FORMATS) + allowed('resultType', ['results', 'hits']))}
  ${operation('ListStoredQueries', url)}
  ${operation('DescribeStoredQueries', url)}
  ${allowed('version', [WFS_VERSION])}
  ${constraint('ImplementsBasicWFS', 'FALSE')}
  ${constraint('ImplementsTransactionalWFS', 'FALSE')}
  ${constraint('ImplementsLockingWFS', 'FALSE')}
  ${constraint('KVPEncoding', 'TRUE')}
  ${constraint('XMLEncoding', 'TRUE')}
  ${constraint('SOAPEncoding', 'FALSE')}
  ${constraint('ImplementsInheritance', 'FALSE')}
  ${constraint('ImplementsRemoteResolve', 'FALSE')}
  ${constraint('ImplementsResultPaging', 'TRUE')}
  ${constraint('ImplementsStandardJoins', 'FALSE')}
  ${constraint('ImplementsSpatialJoins', 'FALSE')}
  ${constraint('ImplementsTemporalJoins', 'FALSE')}
  ${constraint('ImplementsFeatureVersioning', 'FALSE')}
  ${constraint('ManageStoredQueries', 'FALSE')}
  <ows:Constraint name="CountDefault"><ows:NoValues/><ows:DefaultValue>${input.maxCount}</ows:DefaultValue></ows:Constraint>
  <ows:Constraint name="QueryExpressions"><ows:AllowedValues><ows:Value>wfs:Query</ows:Value><ows:Value>wfs:StoredQuery</ows:Value></ows:AllowedValues></ows:Constraint>
</ows:OperationsMetadata>
<FeatureTypeList>
${input.layers.map((l) => featureType(l, url)).join('\n')}
</FeatureTypeList>
<fes:Filter_Capabilities>
  <fes:Conformance>
    ${['ImplementsQuery', 'ImplementsAdHocQuery', 'ImplementsResourceId', 'ImplementsMinStandardFilter', 'ImplementsStandardFilter', 'ImplementsMinSpatialFilter', 'ImplementsSpatialFilter']
      .map((c) => constraint(c, 'TRUE')).join('\n    ')}
    ${['ImplementsFunctions', 'ImplementsMinTemporalFilter', 'ImplementsTemporalFilter', 'ImplementsVersionNav', 'ImplementsSorting', 'ImplementsExtendedOperators', 'ImplementsMinimumXPath', 'ImplementsSchemaElementFunc']
      .map((c) => constraint(c, 'FALSE')).join('\n    ')}
  </fes:Conformance>
  <fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>
  <fes:Scalar_Capabilities>
    <fes:LogicalOperators/>
    <fes:ComparisonOperators>${FES_COMPARISON_OPERATORS.map((o) => `<fes:ComparisonOperator name="${o}"/>`).join('')}</fes:ComparisonOperators>
  </fes:Scalar_Capabilities>
  <fes:Spatial_Capabilities>
    <fes:GeometryOperands>${['gml:Envelope', 'gml:Point', 'gml:LineString', 'gml:Polygon', 'gml:MultiPoint', 'gml:MultiCurve', 'gml:MultiSurface'].map((g) => `<fes:GeometryOperand name="${g}"/>`).join('')}</fes:GeometryOperands>
    <fes:SpatialOperators>${FES_SPATIAL_OPERATORS.map((o) => `<fes:SpatialOperator name="${o}"/>`).join('')}</fes:SpatialOperators>
  </fes:Spatial_Capabilities>
</fes:Filter_Capabilities>
</wfs:WFS_Capabilities>
`.replace(/\n\s*\n/g, '\n');
}
