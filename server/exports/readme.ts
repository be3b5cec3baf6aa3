// README.txt of every download (Điều 4.4, 8.1c): where the data comes from, who owns it, under which licence, when
// it was last updated, what was selected, and how to read the files. Vietnamese first, English after.
import type { Layer } from '../catalog/catalog.ts';
import type { FieldName } from './field-names.ts';

export interface ReadmeInput {
  layer: Layer;
  format: string;
  files: string[];
  crsTitle: string;
  srid: number;
  count: number;
  selection: string | null;
  url: string;
  exportedAt: Date;
  fieldNames?: FieldName[];
  notes?: string[];
}

export function readmeText(r: ReadmeInput): string {
  const l = r.layer;
  const lines = [
    `${l.titleVi} / ${l.titleEn}`,
    '='.repeat(Math.min(78, l.titleVi.length + l.titleEn.length + 3)),
    '',
    `Mã lớp / Layer id:            ${l.id}`,
    `Cơ quan chủ quản / Owner:     ${l.owner.nameVi} (${l.owner.nameEn})`,
    `Nguồn / Source:               ${l.source}`,
    `Căn cứ pháp lý / Legal basis: ${l.legalBasis || '—'}`,
    `Giấy phép / Licence:          ${l.licence}`,
    `Cập nhật dữ liệu / Last update of the data: ${l.dataUpdatedAt.toISOString()}`,
    `Trích xuất lúc / Exported at: ${r.exportedAt.toISOString()}`,
    `Phạm vi truy cập / Access:    ${l.visibility === 'public' ? 'công khai / public' : 'hạn chế: không chia sẻ lại / restricted: do not redistribute'}`,
    '',
    `Định dạng / Format:           ${r.format}`,
    `Tệp / Files:                  ${r.files.join(', ')}`,
    `Hệ tọa độ / CRS:              ${r.crsTitle} (EPSG:${r.srid})`,
    `Số đối tượng / Features:      ${r.count}`,
    `Lựa chọn / Selection:         ${r.selection ?? 'toàn bộ lớp / the whole layer'}`,
    `Địa chỉ / Downloaded from:    ${r.url}`,
    '',
    'Khi sử dụng, ghi rõ nguồn / When using the data, cite:',
    `  "${l.titleVi}", ${l.owner.nameVi}; nguồn: ${l.source}; cập nhật ${l.dataUpdatedAt.toISOString().slice(0, 10)}. ${l.licence}.`,
    '',
    'Báo sai sót dữ liệu cho cơ quan chủ quản qua nền tảng (Điều 8.1c) / Report errors to the owner through the platform.',
  ];
  if (r.fieldNames && r.fieldNames.some((f) => f.field !== f.attribute)) {
    lines.push('', 'Tên trường DBF (tối đa 10 ký tự) / DBF field names (10 characters at most), also in fields.csv:');
    for (const f of r.fieldNames) {
      const a = l.attributes.find((x) => x.name === f.attribute);
      lines.push(`  ${f.field.toUpperCase().padEnd(10)}  ${f.attribute}${a ? ` — ${a.label_vi} / ${a.label_en}` : ''}`);
    }
  } else {
    lines.push('', 'Thuộc tính / Attributes:');
    for (const a of l.attributes) lines.push(`  ${a.name.padEnd(16)} ${a.type.padEnd(9)} ${a.label_vi} / ${a.label_en}`);
  }
  for (const n of r.notes ?? []) lines.push('', n);
  return `${lines.join('\r\n')}\r\n`;
}
