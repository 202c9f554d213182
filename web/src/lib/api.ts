// The REST client: same-origin JSON with the session cookie; failures become
// ApiError (the server answered with a problem) or NetworkError (it did not).

import type {
  AuditPage, AuthSession, Block, Category, Cycle, FieldError, MicPolicy, ModAction, ModReportPage, Preferences,
  Problem, Report, ReportReason, Room, RoomList, Session, SessionList, Stats, TimerControl, User, Visibility,
} from './types';

/** ApiError is a problem answer from the server (docs/api.md "Errors"). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];

  constructor(status: number, problem: Problem) {
    super(problem.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code;
    this.errors = problem.errors ?? [];
  }

  /** fields maps each field path to its first message. */
  get fields(): Record<string, string> {
    return fieldMap(this.errors);
  }
}

/** NetworkError means no answer arrived: offline, or the server is down. */
export class NetworkError extends Error {
  constructor() {
    super('No connection');
    this.name = 'NetworkError';
  }
}

export function fieldMap(errors: FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors ?? []) out[e.field] ??= e.message;
  return out;
}

/** Called when an authenticated request answers 401: the session is gone. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** Called with the problem when a request answers 403 `banned`: the person is banned from the site. */
let onBanned: (p: Problem) => void = () => {};
export function setBannedHandler(fn: (p: Problem) => void): void {
  onBanned = fn;
}

interface Options {
  body?: unknown;
  /** Do not treat 401 as "signed out" (the bootstrap call expects it). */
  expect401?: boolean;
  /** A file sent as the body, with its own type (an avatar upload). */
  file?: Blob;
}

async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (opts.file !== undefined) {
    headers['Content-Type'] = opts.file.type;
    init.body = opts.file;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new NetworkError();
  }
  if (res.status === 204) return undefined as T;
  let payload: unknown = null;
  try {
    payload = await res.json();
  } catch {
    // A proxy's HTML error page, or an empty body: fall through with null.
  }
  if (res.ok) return payload as T;
  if (res.status === 401 && !opts.expect401) onUnauthorized();
  const problem = toProblem(payload, res.status);
  if (res.status === 403 && problem.code === 'banned') onBanned(problem);
  throw new ApiError(res.status, problem);
}

function toProblem(payload: unknown, status: number): Problem {
  if (payload && typeof payload === 'object' && 'code' in payload && 'message' in payload) {
    return payload as Problem;
  }
  return { code: status >= 500 ? 'internal' : 'unknown', message: 'Something went wrong. Please try again.' };
}

export interface NewRoom {
  name: string;
  description?: string;
  category: Category;
  maxCapacity?: number;
  micPolicy?: MicPolicy;
  /** "unlisted": only people with the link find the room. */
  visibility?: Visibility;
  timerControl?: TimerControl;
  /** A rhythm the room keeps by itself, or null for none. */
  cycle?: Cycle | null;
}

/** RoomQuery picks a page of the lobby (GET /api/rooms). */
export interface RoomQuery {
  category?: Category | '';
  hideFull?: boolean;
  cursor?: string | null;
  limit?: number;
}

/** NewReport is POST /api/reports: reporting someone also blocks them. */
export interface NewReport {
  userId: string;
  roomId?: string;
  reason: ReportReason;
  note?: string;
}

/** Resolution is POST /api/mod/reports/{id}/resolve; durationHours only with `ban` (absent: until lifted). */
export interface Resolution {
  action: ModAction;
  reason: string;
  durationHours?: number;
}

const q = encodeURIComponent;

function page(cursor: string | null | undefined, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  if (cursor) params.set('cursor', cursor);
  const s = params.toString();
  return s ? `?${s}` : '';
}

export const api = {
  session: () => request<AuthSession>('GET', '/api/auth/session', { expect401: true }),
  startAnonymous: () => request<AuthSession>('POST', '/api/auth/anonymous', { expect401: true }),
  logout: () => request<void>('POST', '/api/auth/logout', { expect401: true }),

  /** A page of the lobby, busiest rooms first (`order=people`); pass the last page's nextCursor for the next. */
  rooms: (opts: RoomQuery = {}) => {
    const params = new URLSearchParams({ order: 'people', limit: String(opts.limit ?? 100) });
    if (opts.category) params.set('category', opts.category);
    if (opts.hideFull) params.set('hideFull', 'true');
    if (opts.cursor) params.set('cursor', opts.cursor);
    return request<RoomList>('GET', `/api/rooms?${params}`);
  },
  createRoom: (room: NewRoom) => request<Room>('POST', '/api/rooms', { body: room }),
  quickJoin: () => request<Room>('POST', '/api/rooms/quick-join'),
  leaveRoom: (id: string) => request<Room>('POST', `/api/rooms/${q(id)}/leave`),

  updateProfile: (patch: { displayName: string }) => request<User>('PUT', '/api/users/profile', { body: patch }),
  preferences: () => request<Preferences>('GET', '/api/users/preferences'),
  /** Erases the caller for good (DELETE /api/users/me); the export is a plain download of /api/users/me/export. */
  eraseMe: () => request<void>('DELETE', '/api/users/me'),
  config: () => request<{ avatarUploads: boolean }>('GET', '/api/config'),
  uploadAvatar: (file: Blob) => request<User>('PUT', '/api/users/me/avatar', { file }),
  removeAvatar: () => request<User>('PUT', '/api/users/profile', { body: { avatarUrl: null } }),
  updatePreferences: (patch: Partial<Preferences>) =>
    request<Preferences>('PUT', '/api/users/preferences', { body: patch }),

  focusSession: (id: string) => request<Session>('GET', `/api/sessions/${q(id)}`),
  history: (cursor: string | null) =>
    request<SessionList>('GET', `/api/sessions/history?limit=20${cursor ? `&cursor=${q(cursor)}` : ''}`),
  stats: (tz: string) => request<Stats>('GET', `/api/sessions/stats?tz=${q(tz)}`),

  blocks: () => request<{ blocks: Block[] }>('GET', '/api/blocks'),
  block: (userId: string) => request<void>('POST', '/api/blocks', { body: { userId } }),
  unblock: (userId: string) => request<void>('DELETE', `/api/blocks/${q(userId)}`),
  report: (r: NewReport) => request<Report>('POST', '/api/reports', { body: r }),

  modReports: (cursor?: string | null) => request<ModReportPage>('GET', `/api/mod/reports${page(cursor, { status: 'open' })}`),
  resolveReport: (id: string, r: Resolution) => request<unknown>('POST', `/api/mod/reports/${q(id)}/resolve`, { body: r }),
  audit: (cursor?: string | null) => request<AuditPage>('GET', `/api/mod/audit${page(cursor)}`),
  closeRoom: (roomId: string, reason: string) => request<void>('POST', `/api/mod/rooms/${q(roomId)}/close`, { body: { reason } }),
  resetName: (userId: string) => request<User>('POST', `/api/mod/users/${q(userId)}/reset-name`),
  modRemoveAvatar: (userId: string) => request<User>('DELETE', `/api/mod/users/${q(userId)}/avatar`),
};
