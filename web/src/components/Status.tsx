import type { Status } from '../lib/types';
import { AwayIcon, BreakIcon, WorkingIcon } from './icons';

const STATUS_LABELS: Record<Status, string> = {
  working: 'Working',
  break: 'On a break',
  away: 'Away',
};

const STATUS_CLASS: Record<Status, string> = {
  working: 'text-working',
  break: 'text-break',
  away: 'text-away',
};

export function StatusIcon({ status, size }: { status: Status; size?: number }) {
  if (status === 'break') return <BreakIcon size={size} />;
  if (status === 'away') return <AwayIcon size={size} />;
  return <WorkingIcon size={size} />;
}

/** StatusBadge says a status in words and with an icon, never by colour alone. */
export function StatusBadge({ status }: { status: Status }) {
  return (
    <span class={`inline-flex items-center gap-1.5 text-sm font-semibold ${STATUS_CLASS[status]}`} data-testid="participant-status">
      <StatusIcon status={status} size={16} />
      {STATUS_LABELS[status]}
    </span>
  );
}
