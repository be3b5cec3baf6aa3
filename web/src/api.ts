// JSON requests to the platform API from the browser. Failures carry the API's machine code, so each view can say
// in the reader's language what went wrong instead of showing the server's English message.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** A signed-in page (the agency editor) hands its session's CSRF token here; cookie-authenticated writes need it. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(csrfToken && method !== 'GET' ? { 'x-csrf-token': csrfToken } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      credentials: 'same-origin',
      signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
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
    const problem = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    throw new ApiError(response.status, problem.code ?? `http_${response.status}`, problem.message ?? response.statusText, problem.details ?? {});
  }
  return parsed as T;
}

export const getJson = <T>(url: string, signal?: AbortSignal) => request<T>('GET', url, undefined, signal);
export const postJson = <T>(url: string, body: unknown) => request<T>('POST', url, body);
