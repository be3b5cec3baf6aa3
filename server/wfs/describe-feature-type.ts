// DescribeFeatureType: an XML Schema (GML 3.2 application schema) from each layer's attribute schema — the types
// the GML output writes, every attribute optional (nulls are left out of the features).
import type { AttributeType } from '../catalog/attributes.ts';
import type { GeometryFamily, Layer } from '../catalog/catalog.ts';
import { GML_GEOMETRY_PROPERTY } from '../features/gml-sql.ts';
import { NAMESPACES, NS_PREFIX, NS_URI } from './names.ts';
import { escapeXml } from './xml.ts';

const xsdTypes: Record<AttributeType, string> = {
  text: 'xs:string',
  integer: 'xs:long',
  number: 'xs:double',
  boolean: 'xs:boolean',
  date: 'xs:date',
  datetime: 'xs:dateTime',
};

export const geometryPropertyTypes: Record<GeometryFamily, string> = {
  point: 'gml:PointPropertyType',
  line: 'gml:MultiCurvePropertyType',
  polygon: 'gml:MultiSurfacePropertyType',
};

function attributeElement(a: Layer['attributes'][number]): string {
  const doc = `<xs:annotation><xs:documentation xml:lang="vi">${escapeXml(a.label_vi)}</xs:documentation><xs:documentation xml:lang="en">${escapeXml(a.label_en)}</xs:documentation></xs:annotation>`;
  const restricted = a.type === 'text' && (a.max_length || a.allowed);
  if (!restricted) return `      <xs:element name="${a.name}" type="${xsdTypes[a.type]}" minOccurs="0" maxOccurs="1">${doc}</xs:element>`;
  const facets = [
    ...(a.max_length ? [`<xs:maxLength value="${a.max_length}"/>`] : []),
    ...(a.allowed ?? []).map((v) => `<xs:enumeration value="${escapeXml(v)}"/>`),
  ].join('');
  return `      <xs:element name="${a.name}" minOccurs="0" maxOccurs="1">${doc}<xs:simpleType><xs:restriction base="xs:string">${facets}</xs:restriction></xs:simpleType></xs:element>`;
}

export function featureTypeSchema(layers: Layer[]): string {
  const types = layers.map((layer) => `  <xs:complexType name="${layer.id}Type">
    <xs:complexContent><xs:extension base="gml:AbstractFeatureType"><xs:sequence>
      <xs:element name="${GML_GEOMETRY_PROPERTY}" type="${geometryPropertyTypes[layer.geometryFamily]}" minOccurs="1" maxOccurs="1"/>
${layer.attributes.map(attributeElement).join('\n')}
    </xs:sequence></xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:element name="${layer.id}" type="${NS_PREFIX}:${layer.id}Type" substitutionGroup="gml:AbstractFeature"/>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="${NAMESPACES.xs}" xmlns:gml="${NAMESPACES.gml}" xmlns:${NS_PREFIX}="${NS_URI}" targetNamespace="${NS_URI}" elementFormDefault="qualified" version="1.0">
  <xs:import namespace="${NAMESPACES.gml}" schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>
${types}
</xs:schema>
`;
}
