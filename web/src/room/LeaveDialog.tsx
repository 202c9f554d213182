import { Ask } from './Ask';

/**
 * LeaveDialog asks what happens to an open focus session when its person
 * leaves: a check-in first (then leave), or leave and end it there. Cancel
 * (or Escape) stays in the room.
 */
export function LeaveDialog({ open, onClose, onCheckIn, onEnd }: {
  open: boolean;
  onClose: () => void;
  onCheckIn: () => void;
  onEnd: () => void;
}) {
  return (
    <Ask open={open} onCancel={onClose} labelledBy="leave-title" testId="leave-dialog">
      <h2 id="leave-title" class="mb-2 text-xl font-bold">Leave during your block?</h2>
      <p class="mb-5">Your block is still open. A quick check-in keeps what you got done.</p>
      {/* On a phone the check-in comes first, under the thumb; on a wide screen it is the last, on the right. */}
      <div class="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" class="btn btn-quiet" data-testid="leave-cancel" onClick={onClose}>Cancel</button>
        <button type="button" class="btn" data-testid="leave-end" onClick={onEnd}>Leave and end it</button>
        <button type="button" class="btn btn-primary" data-testid="leave-checkin" onClick={onCheckIn}>Finish with a check-in</button>
      </div>
    </Ask>
  );
}
