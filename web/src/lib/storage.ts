// Web Storage that never throws (it does in some private modes and when full).

function area(kind: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return globalThis[kind] ?? null;
  } catch {
    return null;
  }
}

export function readJSON<T>(kind: 'localStorage' | 'sessionStorage', key: string, fallback: T): T {
  try {
    const raw = area(kind)?.getItem(key);
    return raw == null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function writeJSON(kind: 'localStorage' | 'sessionStorage', key: string, value: unknown): void {
  try {
    if (value === undefined || value === null) area(kind)?.removeItem(key);
    else area(kind)?.setItem(key, JSON.stringify(value));
  } catch {
    // Not remembering is fine: this is a convenience.
  }
}
