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
      <div class="flex flex-col gap-2 sm:flex-row-reverse sm:flex-wrap">
        <button type="button" class="btn btn-primary" data-testid="leave-checkin" onClick={onCheckIn}>Finish with a check-in</button>
        <button type="button" class="btn" data-testid="leave-end" onClick={onEnd}>Leave and end it</button>
        <button type="button" class="btn btn-quiet sm:mr-auto" data-testid="leave-cancel" onClick={onClose}>Cancel</button>
      </div>
    </Ask>
  );
}
