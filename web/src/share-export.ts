// Sharing the view: the page's address already holds the view and the layers (url-state.ts), so sharing is copying
// it. Exporting: the map as a PNG with a footer that names the portal, the time and the sources of the data shown
// (Điều 8.1c: every use of the data cites its source and its update time), and the online basemap's credit when it is on.
import type { Map as MapLibreMap } from 'maplibre-gl';
import { el, openDialog, type Dialog } from './dialog.ts';
import { t } from './i18n.ts';
import { ONLINE_BASEMAP_LAYER_ID } from './map-style.ts';

export function openShareDialog(url: string): Dialog {
  const dialog = openDialog({ title: t('shareTitle'), testId: 'share-dialog' });
  const field = el('input', { id: 'share-url', type: 'text', readonly: '', value: url, 'data-testid': 'share-url', class: 'share-url' });
  field.value = url;
  const copy = el('button', { type: 'button', class: 'button primary', 'data-testid': 'share-copy' }, t('shareCopy'));
  const status = el('p', { class: 'copy-status', role: 'status', 'data-testid': 'share-status' });
  copy.addEventListener('click', () => {
    field.select();
    const done = () => {
      status.textContent = t('shareCopied');
    };
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(url).then(done, () => {
        status.textContent = t('shareCopyManually');
      });
    } else {
      status.textContent = t('shareCopyManually');
    }
  });
  field.addEventListener('focus', () => field.select());
  dialog.body.append(
    el('p', { class: 'report-hint' }, t('shareHint')),
    el('label', { for: 'share-url', class: 'visually-hidden' }, t('shareLinkLabel')),
    el('div', { class: 'lookup-row' }, field, copy),
    status,
  );
  copy.focus();
  return dialog;
}

/** The drawn map, copied in the frame it was drawn (the WebGL buffer is only readable until the next frame). */
function snapshot(map: MapLibreMap): Promise<HTMLCanvasElement> {
  return new Promise((resolve) => {
    map.once('render', () => {
      const source = map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = source.width;
      copy.height = source.height;
      copy.getContext('2d')!.drawImage(source, 0, 0);
      resolve(copy);
    });
    map.triggerRepaint();
  });
}

function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && ctx.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return `${s}…`;
}

export interface ExportCaption {
  title: string;
  /** "Xuất lúc … · https://…" */
  line: string;
  /** "Nguồn dữ liệu: …": the owners of the layers shown (the online basemap's credit is added when it is on). */
  credit: string;
}

/**
 * The online basemap's credit as the map's attribution shows it, in plain text (MapLibre renders a source's
 * attribution as HTML, often a link: the picture gets the words a reader sees); null while that basemap is off.
 */
function onlineBasemapCredit(map: MapLibreMap): string | null {
  if (!map.getLayer(ONLINE_BASEMAP_LAYER_ID) || map.getLayoutProperty(ONLINE_BASEMAP_LAYER_ID, 'visibility') === 'none') return null;
  const html = map.getSource(ONLINE_BASEMAP_LAYER_ID)?.attribution ?? '';
  // DOMParser builds an inert document: nothing in the configured text runs or loads.
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const node of doc.body.querySelectorAll('script, style, template')) node.remove();
  const text = (doc.body.textContent ?? '').replace(/\s+/g, ' ').trim();
  return text || null;
}

/** Splits text into at most `maxLines` lines that fit `width`, the last one shortened with an ellipsis. */
function wrapText(ctx: CanvasRenderingContext2D, text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  const words = text.split(' ');
  for (let i = 0; i < words.length; i++) {
    const candidate = line ? `${line} ${words[i]}` : words[i]!;
    if (ctx.measureText(candidate).width <= width || line === '') {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = words[i]!;
    if (lines.length === maxLines - 1) {
      line = words.slice(i).join(' ');
      break;
    }
  }
  lines.push(fitText(ctx, line, width));
  return lines;
}

/** The view as a PNG with its caption below the map. */
export async function renderMapImage(map: MapLibreMap, caption: ExportCaption): Promise<Blob> {
  const picture = await snapshot(map);
  const scale = picture.width / map.getContainer().clientWidth || 1;
  const px = (n: number) => Math.round(n * scale);
  const font = (size: number, weight = 400) => `${weight} ${px(size)}px 'Segoe UI', 'Noto Sans', Roboto, 'Liberation Sans', Arial, sans-serif`;
  const pad = px(14);
  const width = picture.width - 2 * pad;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = font(12);
  // The online basemap's credit gets lines of its own under the data sources, so a long list of owners never cuts it.
  const basemap = onlineBasemapCredit(map);
  const credit = [
    ...wrapText(measure, caption.credit, width, 2),
    ...(basemap ? wrapText(measure, t('exportBasemapCredit', { credit: basemap }), width, 2) : []),
  ];
  // What the picture credits, as drawn (wrapped, shortened if it had to be): the page's tests read it here.
  map.getContainer().dataset.exportCredit = credit.join('\n');
  const footer = px(56) + credit.length * px(18);

  const canvas = document.createElement('canvas');
  canvas.width = picture.width;
  canvas.height = picture.height + footer;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(picture, 0, 0);
  ctx.fillStyle = '#0f4c81';
  ctx.fillRect(0, picture.height, canvas.width, Math.max(2, px(3)));
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#1f2933';
  ctx.font = font(15, 650);
  ctx.fillText(fitText(ctx, caption.title, width), pad, picture.height + px(12));
  ctx.fillStyle = '#5b6b7a';
  ctx.font = font(12);
  ctx.fillText(fitText(ctx, caption.line, width), pad, picture.height + px(34));
  credit.forEach((line, i) => ctx.fillText(line, pad, picture.height + px(52) + i * px(18)));
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob failed'))), 'image/png'));
}

export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
