import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface Props {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  testId?: string;
  children: ComponentChildren;
}

/**
 * Dialog is a modal on the native <dialog>: it keeps focus inside, closes on
 * Escape and returns focus to what opened it.
 */
export function Dialog({ open, onClose, labelledBy, testId, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class="sheet" aria-labelledby={labelledBy} data-testid={testId} onClose={onClose}>
      {open && <div class="p-5 sm:p-6">{children}</div>}
    </dialog>
  );
}
