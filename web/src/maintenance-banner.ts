// The maintenance banner (Điều 10.2): the windows GET /api/maintenance announces, upcoming or on now, at the top of
// a page, with start and end in Vietnam time and whether the platform is read-only meanwhile. Any page mounts it
// with one call, passing its own language if it has its own switch:
//
//   mountMaintenanceBanner();                                             // public pages (i18n.ts language)
//   mountMaintenanceBanner({ language: currentLang, onLanguageChange: onLangChange });   // editor, admin
//
// A notice dismissed stays dismissed on this browser until its window starts; then it shows again as "on now".
import './maintenance-banner.css';
import { formatDateTime } from './format.ts';
import { language as publicLanguage, onLanguageChange as onPublicLanguageChange } from './i18n.ts';

type Lang = 'vi' | 'en';

export interface MaintenanceWindowJson {
  id: string;
  starts_at: string;
  ends_at: string;
  title_vi: string;
  title_en: string;
  message_vi: string;
  message_en: string;
  emergency: boolean;
  read_only: boolean;
  active: boolean;
}

export interface MaintenanceBannerOptions {
  /** Where the banner goes; by default right after the page's first <header>, else at the top of <body>. */
  container?: HTMLElement;
  /** The page's language and its change event; by default the public pages' (i18n.ts). */
  language?: () => Lang;
  onLanguageChange?: (listener: () => void) => void;
  /** How often the list is asked for again (default 5 minutes). */
  refreshMs?: number;
}

export interface MaintenanceBanner {
  element: HTMLElement;
  /** Asks the server again now. */
  refresh(): Promise<void>;
  destroy(): void;
}

const texts = {
  vi: {
    region: 'Thông báo bảo trì hệ thống',
    upcoming: 'Sắp bảo trì hệ thống',
    ongoing: 'Đang bảo trì hệ thống',
    emergency: 'Bảo trì khẩn cấp',
    when: 'Từ {start} đến {end} (giờ Việt Nam)',
    readOnly: 'Trong thời gian này hệ thống chỉ cho xem dữ liệu: không sửa, nhập hay gửi dữ liệu được.',
    notReadOnly: 'Hệ thống vẫn hoạt động nhưng có thể gián đoạn trong chốc lát.',
    dismiss: 'Ẩn',
    dismissLabel: 'Ẩn thông báo «{title}»',
  },
  en: {
    region: 'Maintenance notice',
    upcoming: 'Maintenance coming up',
    ongoing: 'Maintenance under way',
    emergency: 'Emergency maintenance',
    when: 'From {start} to {end} (Vietnam time, UTC+7)',
    readOnly: 'Meanwhile the platform is read-only: data can be viewed but not edited, imported or sent.',
    notReadOnly: 'The platform stays available but may be briefly interrupted.',
    dismiss: 'Hide',
    dismissLabel: 'Hide the notice “{title}”',
  },
} as const;

const DISMISSED_KEY = 'cb.maintenance.dismissed';
const TICK_MS = 30_000;

function dismissedSet(): Set<string> {
  try {
    const raw = localStorage.getItem(DISMISSED_KEY);
    const list = raw ? (JSON.parse(raw) as unknown) : [];
    return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function saveDismissed(set: Set<string>): void {
  try {
    // Only the latest few: windows end, and their ids need not be kept for ever.
    localStorage.setItem(DISMISSED_KEY, JSON.stringify([...set].slice(-50)));
  } catch {
    // Private browsing may refuse storage: the notice is hidden for this visit only.
  }
}

const phaseOf = (w: MaintenanceWindowJson, now: number) => (Date.parse(w.starts_at) <= now ? 'ongoing' : 'upcoming');

export function mountMaintenanceBanner(options: MaintenanceBannerOptions = {}): MaintenanceBanner {
  const lang = options.language ?? publicLanguage;
  const element = document.createElement('section');
  element.className = 'maintenance-banner';
  element.dataset.testid = 'maintenance-banner';
  element.setAttribute('aria-live', 'polite');
  element.hidden = true;
  if (options.container) options.container.append(element);
  else {
    const header = document.body.querySelector(':scope > header');
    if (header) header.after(element);
    else document.body.prepend(element);
  }

  let windows: MaintenanceWindowJson[] = [];
  const dismissed = dismissedSet();
  let stopped = false;

  function render(): void {
    const tx = texts[lang()];
    const now = Date.now();
    const shown = windows
      .filter((w) => Date.parse(w.ends_at) > now && !dismissed.has(`${w.id}:${phaseOf(w, now)}`))
      .sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
    element.setAttribute('aria-label', tx.region);
    element.replaceChildren(...shown.map((w) => {
      const phase = phaseOf(w, now);
      const title = lang() === 'en' && w.title_en.trim() ? w.title_en : w.title_vi;
      const message = lang() === 'en' && w.message_en.trim() ? w.message_en : w.message_vi;
      const notice = document.createElement('div');
      notice.className = `maintenance-notice ${phase}${w.read_only ? ' read-only' : ''}`;
      notice.dataset.windowId = w.id;
      notice.dataset.readOnly = String(w.read_only);
      const heading = document.createElement('p');
      heading.className = 'maintenance-heading';
      const strong = document.createElement('strong');
      strong.textContent = `${w.emergency ? `${tx.emergency} · ` : ''}${phase === 'ongoing' ? tx.ongoing : tx.upcoming}: `;
      heading.append(strong, title);
      const when = document.createElement('p');
      when.className = 'maintenance-when';
      when.dataset.testid = 'maintenance-when';
      when.textContent = tx.when.replace('{start}', formatDateTime(w.starts_at)).replace('{end}', formatDateTime(w.ends_at));
      const mode = document.createElement('p');
      mode.className = 'maintenance-mode';
      mode.textContent = w.read_only ? tx.readOnly : tx.notReadOnly;
      const text = document.createElement('div');
      text.className = 'maintenance-text';
      text.append(heading, when, mode);
      if (message.trim()) {
        const extra = document.createElement('p');
        extra.className = 'maintenance-message';
        extra.textContent = message;
        text.append(extra);
      }
      const close = document.createElement('button');
      close.type = 'button';
      close.className = 'maintenance-dismiss';
      close.textContent = tx.dismiss;
      close.setAttribute('aria-label', tx.dismissLabel.replace('{title}', title));
      close.addEventListener('click', () => {
        dismissed.add(`${w.id}:${phase}`);
        saveDismissed(dismissed);
        render();
        // Focus would otherwise fall to the top of the page.
        (element.querySelector<HTMLButtonElement>('.maintenance-dismiss') ?? document.querySelector<HTMLElement>('main'))?.focus();
      });
      notice.append(text, close);
      return notice;
    }));
    element.hidden = shown.length === 0;
  }

  async function refresh(): Promise<void> {
    try {
      const response = await fetch('/api/maintenance', { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) return;
      const body = (await response.json()) as { windows?: MaintenanceWindowJson[] };
      if (!stopped && Array.isArray(body.windows)) {
        windows = body.windows;
        render();
        element.dataset.loaded = 'true';
      }
    } catch {
      // No notice is better than a broken page: the next refresh tries again.
    }
  }

  (options.onLanguageChange ?? onPublicLanguageChange)(() => {
    if (!stopped) render();
  });
  // A window starting or ending changes what the banner says without a new list.
  const tick = window.setInterval(render, TICK_MS);
  const poll = window.setInterval(() => void refresh(), options.refreshMs ?? 5 * 60_000);
  void refresh();

  return {
    element,
    refresh,
    destroy() {
      stopped = true;
      window.clearInterval(tick);
      window.clearInterval(poll);
      element.remove();
    },
  };
}
