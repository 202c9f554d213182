import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Ask is a small modal question on the native <dialog> (focus kept inside,
 * returned to what opened it). Unlike components/Dialog it does not follow
 * the dialog's close event, which Chromium may deliver late (at the next
 * interaction) and would then close the question as soon as it is asked
 * again; Escape arrives as cancel, and every button says what it does.
 */
export function Ask({ open, onCancel, labelledBy, testId, children }: {
  open: boolean;
  onCancel: () => void;
  labelledBy: string;
  testId: string;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      class="sheet"
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault(); // closed by the state, like every other way out
        onCancel();
      }}
    >
      {open && <div class="p-5 sm:p-6">{children}</div>}
    </dialog>
  );
}
