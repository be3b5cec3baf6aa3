// Requests of the signed-in pages (editor, admin): the session cookie plus the CSRF token on writes, the ETag of
// what was read, and one place that notices a session has ended (401 from any call) so the page can go back to the
// sign-in form instead of failing piecemeal.
import { ApiError } from '../api.ts';

export { ApiError };

let csrf: string | null = null;
let onSignedOut: (() => void) | null = null;

export function setCsrf(token: string | null): void {
  csrf = token;
}

export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export interface Answer<T> {
  status: number;
  body: T;
  etag: string | null;
}

export async function call<T = unknown>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json, application/geo+json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(csrf && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  if (!response.ok) {
    const p = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    const error = new ApiError(response.status, p.code ?? `http_${response.status}`, p.message ?? response.statusText, p.details ?? {});
    // A sign-in that fails is the form's business; any other 401 means the session is gone.
    if (response.status === 401 && !url.endsWith('/api/auth/login') && onSignedOut) onSignedOut();
    throw error;
  }
  return { status: response.status, body: parsed as T, etag: response.headers.get('etag') };
}

export interface Membership {
  agency_id: string;
  agency_code: string;
  agency_name_vi: string;
  role: 'editor' | 'agency_admin' | 'viewer' | string;
  layer_scope: string[] | null;
}

export interface Me {
  id: string;
  username: string;
  display_name: string;
  is_operator: boolean;
  memberships: Membership[];
}

export async function signIn(username: string, password: string): Promise<Me> {
  const r = await call<{ user: Me; csrfToken: string }>('POST', '/api/auth/login', { username, password });
  setCsrf(r.body.csrfToken);
  return r.body.user;
}

/** The current session, or null when there is none (no redirect: the page just shows its sign-in form). */
export async function currentUser(): Promise<Me | null> {
  const response = await fetch('/api/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!response.ok) return null;
  const body = (await response.json()) as { user: Me; csrfToken: string };
  setCsrf(body.csrfToken);
  return body.user;
}

export async function signOut(): Promise<void> {
  await call('POST', '/api/auth/logout').catch(() => {});
  setCsrf(null);
}

/** A multipart upload with upload progress (fetch cannot report it). */
export function uploadWithProgress<T>(url: string, form: FormData, onProgress: (fraction: number) => void): Promise<Answer<T>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (csrf) xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The server could not be reached.'));
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve({ status: xhr.status, body: parsed as T, etag: null });
        return;
      }
      const p = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
      if (xhr.status === 401 && onSignedOut) onSignedOut();
      reject(new ApiError(xhr.status, p.code ?? `http_${xhr.status}`, p.message ?? xhr.statusText, p.details ?? {}));
    };
    xhr.send(form);
  });
}
