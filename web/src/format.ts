// How values read to a person in Cao Bằng: Vietnamese number grouping and dd/mm/yyyy dates in the province's
// time zone, whatever the browser's own locale or zone, so a screenshot means the same to everyone.
import type { AttributeType } from './catalog.ts';
import { t } from './i18n.ts';

const timeZone = 'Asia/Ho_Chi_Minh';
const numberFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 6 });
const integerFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const dateTimeParts = new Intl.DateTimeFormat('vi-VN', {
  timeZone,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

export function formatCount(n: number): string {
  return integerFormat.format(n);
}

/** dd/mm/yyyy HH:mm in Vietnam time: built from parts because vi-VN itself puts the time first. */
export function formatDateTime(value: string | number | Date): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const parts: Record<string, string> = {};
  for (const p of dateTimeParts.formatToParts(date)) parts[p.type] = p.value;
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

/** A calendar date has no time zone: '2024-05-12' is 12/05/2024 everywhere. */
export function formatDate(value: string | number | Date): string {
  if (typeof value === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (m) return `${m[3]}/${m[2]}/${m[1]}`;
  }
  const full = formatDateTime(value);
  return full.split(' ')[0] ?? full;
}

export function formatValue(value: unknown, type: AttributeType | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  switch (type) {
    case 'integer':
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return String(value);
      return (type === 'integer' ? integerFormat : numberFormat).format(n);
    }
    case 'boolean':
      if (value === true || value === 'true' || value === 1) return t('yes');
      if (value === false || value === 'false' || value === 0) return t('no');
      return String(value);
    case 'date':
      return formatDate(value as string);
    case 'datetime':
      return formatDateTime(value as string);
    default:
      if (typeof value === 'number') return numberFormat.format(value);
      if (typeof value === 'object') return JSON.stringify(value);
      return String(value);
  }
}

/** Text for a place that takes HTML (MapLibre's attribution). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
