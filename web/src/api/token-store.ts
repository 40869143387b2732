/** The API token lives in sessionStorage only: gone when the tab closes, never in localStorage or a cookie. */
const KEY = 'cowsnap.token';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
