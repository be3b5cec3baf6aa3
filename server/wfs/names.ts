// The application schema's namespace: every layer is a feature type `cb:<layer id>` in it.
export const NS_PREFIX = 'cb';
export const NS_URI = 'https://caobang.gov.vn/gis/features';

export const NAMESPACES = {
  wfs: 'http://www.opengis.net/wfs/2.0',
  ows: 'http://www.opengis.net/ows/1.1',
  fes: 'http://www.opengis.net/fes/2.0',
  gml: 'http://www.opengis.net/gml/3.2',
  xlink: 'http://www.w3.org/1999/xlink',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
} as const;

export const qualified = (layerId: string) => `${NS_PREFIX}:${layerId}`;
