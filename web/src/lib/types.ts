// Wire types of the REST and WebSocket contracts (docs/api.md "Shared vocabulary",
// docs/protocol.md).

export type Category = 'deep-work' | 'study' | 'creative' | 'admin' | 'chores';
export type Status = 'working' | 'break' | 'away';
export type MicPolicy = 'muted' | 'open';
export type TimerType = 'work' | 'break';
export type WorkStyle = 'quiet' | 'music' | 'check-ins';
export type ReducedMotion = 'system' | 'reduce' | 'no-preference';
export type Theme = 'system' | 'light' | 'dark';
/** Who may control the timer of a room without a cycle. */
export type TimerControl = 'owner' | 'anyone';
export type Visibility = 'public' | 'unlisted';

export const CATEGORIES: Category[] = ['deep-work', 'study', 'creative', 'admin', 'chores'];

export const CATEGORY_LABELS: Record<Category, string> = {
  'deep-work': 'Deep work',
  study: 'Study',
  creative: 'Creative',
  admin: 'Admin',
  chores: 'Chores',
};

export interface User {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: string;
  /** Only on your own user: `moderator` and `admin` may moderate. */
  role?: Role;
}

export type Role = 'member' | 'moderator' | 'admin';

export interface AuthSession {
  user: User;
  token: string;
  expiresAt: string;
}

export interface Room {
  id: string;
  name: string;
  description: string | null;
  category: Category;
  maxCapacity: number;
  currentCapacity: number;
  micPolicy: MicPolicy;
  isActive: boolean;
  createdBy: string | null;
  createdAt: string;
  /** Present (true) only for a room its link alone finds: never in the lobby or quick-join. */
  unlisted?: boolean;
  /** "unlisted": its link alone finds it (replaces `unlisted`). */
  visibility?: Visibility;
  timerControl?: TimerControl;
  /** A room with a cycle runs its timer by itself (work then break, aligned to the clock). */
  cycle?: Cycle | null;
}

/** Cycle is a room's rhythm, in minutes. */
export interface Cycle {
  work: number;
  break: number;
}

export interface RoomList {
  rooms: Room[];
  nextCursor: string | null;
}

export interface Session {
  id: string;
  roomId: string;
  userId: string;
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number | null;
  goals: string[];
  achievements: string[];
  progress: number;
  rating: number | null;
  shareGoals: boolean;
  isCompleted: boolean;
  /** The block's planned length in minutes (null: open-ended). */
  plannedMinutes?: number | null;
}

export interface SessionList {
  sessions: Session[];
  nextCursor: string | null;
}

export interface Focus {
  sessionId: string;
  startedAt: string;
  progress: number;
  goals?: string[];
  /** The block's planned length in minutes (null: open-ended). */
  plannedMinutes?: number | null;
}

export interface Media {
  camera: boolean;
  mic: boolean;
  watching: boolean;
}

export interface Participant {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  status: Status;
  joinedAt: string;
  focus: Focus | null;
  media: Media;
  /** Set only in the view of someone who blocked this person: hide them. */
  blocked?: boolean;
}

/** The data of participant-updated: a participant changed their name or avatar. */
export interface ParticipantUpdated {
  roomId: string;
  participant: Participant;
}

export type ReactionKind = 'clap' | 'strong' | 'coffee';

/** The data of a reaction event: `from` cheered `to` silently. */
export interface Reaction {
  roomId: string;
  from: string;
  to: string;
  reaction: ReactionKind;
}

export interface Timer {
  state: 'idle' | 'running' | 'paused';
  type: TimerType | null;
  /** Seconds. */
  duration: number;
  /** Seconds left; meaningful when paused. */
  remaining: number;
  /** Unix milliseconds (server clock), only while running. */
  endsAt: number | null;
  by: string | null;
  version: number;
}

export interface Preferences {
  workStyle: WorkStyle;
  preferredRoomCategories: Category[];
  notificationSettings: { sound: boolean; system: boolean };
  accessibilitySettings: { reducedMotion: ReducedMotion; highContrast: boolean; largerText: boolean; theme: Theme };
}

export const DEFAULT_PREFERENCES: Preferences = {
  workStyle: 'quiet',
  preferredRoomCategories: [],
  notificationSettings: { sound: true, system: false },
  accessibilitySettings: { reducedMotion: 'system', highContrast: false, largerText: false, theme: 'system' },
};

export interface Stats {
  weekMinutes: number;
  streakDays: number;
  /** 0..1 */
  completionRate: number;
  completedCount: number;
  totalCount: number;
  /** The last 14 days, oldest first. */
  days: Array<{ date: string; minutes: number }>;
}

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  code: string;
  message: string;
  errors?: FieldError[];
  /** With `banned`: why, and when it ends (absent or null: until lifted). */
  reason?: string;
  until?: string | null;
}

export type ReportReason = 'harassment' | 'sexual' | 'hate' | 'spam' | 'self-harm' | 'impersonation' | 'other';

/** One person this person blocks (GET /api/blocks). */
export interface Block {
  userId: string;
  displayName: string;
  createdAt: string;
}

export interface Report {
  id: string;
  reportedUserId: string;
  roomId: string | null;
  reason: ReportReason;
  note: string;
  status: 'open' | 'resolved';
  createdAt: string;
}

/** A report as moderators see it (GET /api/mod/reports), with its context. */
export interface ModReport extends Report {
  reportedUser?: { id: string; displayName: string; recentNames?: string[]; previousNames?: string[] } | null;
  /** The other open reports against the same person (a count, or the reports themselves). */
  openReports?: number | Report[] | null;
  room?: { id: string; name: string } | null;
  roomName?: string | null;
}

export interface ModReportPage {
  reports: ModReport[];
  nextCursor: string | null;
}

export type ModAction = 'dismiss' | 'remove' | 'ban';

export interface AuditEntry {
  id: string;
  at: string;
  actorId: string;
  action: string;
  targetType: 'user' | 'room' | 'key';
  targetId: string;
  reason: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}
