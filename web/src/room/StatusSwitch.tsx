import { CheckIcon } from '../components/icons';
import { StatusIcon } from '../components/Status';
import type { Status } from '../lib/types';
import { setStatus } from '../state/room';

const STATUSES: Status[] = ['working', 'break', 'away'];
const SHORT: Record<Status, string> = { working: 'Working', break: 'Break', away: 'Away' };

/** StatusSwitch is my status in the room: three radio buttons. */
export function StatusSwitch({ status }: { status: Status }) {
  return (
    <fieldset data-testid="status-select">
      <legend class="label">My status</legend>
      <div class="grid grid-cols-3 gap-1.5 sm:gap-2">
        {STATUSES.map((s) => (
          <label key={s} class="seg min-w-0 px-1.5 text-sm sm:px-3">
            <input
              type="radio"
              name="my-status"
              value={s}
              class="sr-only"
              checked={status === s}
              data-testid={`status-${s}`}
              onChange={() => void setStatus(s)}
            />
            <span class="seg-check"><CheckIcon size={16} /></span>
            <span class="seg-icon"><StatusIcon status={s} size={16} /></span>
            {SHORT[s]}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
