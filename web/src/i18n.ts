// Every text the page shows, in Vietnamese (the default) and English. Switching language re-renders through the
// listeners registered with onLanguageChange, so no text is left in the other language.

export type Lang = 'vi' | 'en';

const vi = {
  appName: 'Cổng dữ liệu GIS chuyên ngành tỉnh Cao Bằng',
  appTagline: 'Dữ liệu không gian công khai của các sở, ngành tỉnh Cao Bằng',
  documentTitle: 'Bản đồ — Cổng dữ liệu GIS chuyên ngành tỉnh Cao Bằng',
  languageLabel: 'Ngôn ngữ',
  layersHeading: 'Lớp dữ liệu',
  layersButton: 'Lớp dữ liệu',
  openLayers: 'Mở danh sách lớp dữ liệu',
  closeLayers: 'Đóng danh sách lớp dữ liệu',
  featureCount: '{n} đối tượng',
  featureCountOne: '{n} đối tượng',
  zoomToLayer: 'Phóng tới lớp «{title}»',
  zoomInToSee: 'Phóng to tới mức {z} để xem',
  restricted: 'Hạn chế',
  restrictedHint: 'Lớp dữ liệu hạn chế: chỉ người được cấp quyền mới xem được',
  loading: 'Đang tải danh mục dữ liệu…',
  catalogError: 'Không tải được danh mục lớp dữ liệu. Vui lòng thử lại sau.',
  retry: 'Thử lại',
  noLayers: 'Chưa có lớp dữ liệu công khai nào.',
  webglError: 'Trình duyệt này không hiển thị được bản đồ (cần WebGL). Vui lòng dùng trình duyệt khác.',
  legendClasses: 'Chú giải ({n} loại)',
  wholeProvince: 'Xem toàn tỉnh',
  zoomIn: 'Phóng to',
  zoomOut: 'Thu nhỏ',
  resetBearing: 'Xoay về hướng bắc',
  popupOwner: 'Cơ quan quản lý',
  popupSource: 'Nguồn dữ liệu',
  popupUpdated: 'Cập nhật lần cuối',
  popupLegalBasis: 'Căn cứ pháp lý',
  popupLicence: 'Giấy phép',
  popupFeatureId: 'Mã đối tượng',
  popupUnnamed: 'Đối tượng #{fid}',
  popupPrevious: 'Đối tượng trước',
  popupNext: 'Đối tượng tiếp theo',
  popupPager: '{i}/{n}',
  popupClose: 'Đóng',
  yes: 'Có',
  no: 'Không',
  citeNotice:
    'Dữ liệu theo Quyết định 34/2024/QĐ-UBND tỉnh Cao Bằng. Khi sử dụng, vui lòng ghi rõ nguồn và thời gian cập nhật.',
};

type Key = keyof typeof vi;

const en: Record<Key, string> = {
  appName: 'Cao Bằng Province Sector GIS Data Portal',
  appTagline: 'Public spatial data of the Cao Bằng provincial departments',
  documentTitle: 'Map — Cao Bằng Province Sector GIS Data Portal',
  languageLabel: 'Language',
  layersHeading: 'Data layers',
  layersButton: 'Layers',
  openLayers: 'Open the list of data layers',
  closeLayers: 'Close the list of data layers',
  featureCount: '{n} features',
  featureCountOne: '{n} feature',
  zoomToLayer: 'Zoom to the layer “{title}”',
  zoomInToSee: 'Zoom in to level {z} to see it',
  restricted: 'Restricted',
  restrictedHint: 'Restricted layer: only authorised users can see it',
  loading: 'Loading the data catalogue…',
  catalogError: 'The layer catalogue could not be loaded. Please try again later.',
  retry: 'Try again',
  noLayers: 'There are no public layers yet.',
  webglError: 'This browser cannot display the map (WebGL is needed). Please use another browser.',
  legendClasses: 'Legend ({n} classes)',
  wholeProvince: 'Show the whole province',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  resetBearing: 'Reset bearing to north',
  popupOwner: 'Owning agency',
  popupSource: 'Source',
  popupUpdated: 'Last updated',
  popupLegalBasis: 'Legal basis',
  popupLicence: 'Licence',
  popupFeatureId: 'Feature ID',
  popupUnnamed: 'Feature #{fid}',
  popupPrevious: 'Previous feature',
  popupNext: 'Next feature',
  popupPager: '{i} of {n}',
  popupClose: 'Close',
  yes: 'Yes',
  no: 'No',
  citeNotice:
    'Data under Decision 34/2024/QĐ-UBND of Cao Bằng province. When you use it, please cite the source and the update time.',
};

const dictionaries: Record<Lang, Record<Key, string>> = { vi, en };
const storageKey = 'cb.lang';
const listeners: Array<(lang: Lang) => void> = [];

function storedLanguage(): Lang {
  try {
    return localStorage.getItem(storageKey) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

let current: Lang = storedLanguage();

export function language(): Lang {
  return current;
}

export function t(key: Key, params: Record<string, string | number> = {}): string {
  return dictionaries[current][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(params[name] ?? `{${name}}`));
}

/** The `<base>_vi` or `<base>_en` field of a catalog object, falling back to Vietnamese when English is empty. */
export function localized<T extends object>(obj: T, base: string): string {
  const record = obj as Record<string, unknown>;
  const value = record[`${base}_${current}`];
  if (typeof value === 'string' && value.trim() !== '') return value;
  const fallback = record[`${base}_vi`];
  return typeof fallback === 'string' ? fallback : '';
}

export function setLanguage(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Private browsing can refuse storage: the switch still works for this visit.
  }
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener: (lang: Lang) => void): void {
  listeners.push(listener);
}
