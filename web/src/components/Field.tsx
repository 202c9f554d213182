import type { ComponentChildren, JSX } from 'preact';

interface Props {
  id: string;
  label: ComponentChildren;
  error?: string | undefined;
  hint?: ComponentChildren;
  children: (aria: {
    id: string;
    'aria-invalid'?: 'true';
    'aria-describedby'?: string;
  }) => JSX.Element;
}

/** Field lays out a label, a control, an optional hint and the server's message for it. */
export function Field({ id, label, error, hint, children }: Props) {
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="mb-4">
      <label for={id} class="label">{label}</label>
      {hint && <p id={`${id}-hint`} class="hint mb-1">{hint}</p>}
      {children({
        id,
        ...(error ? { 'aria-invalid': 'true' as const } : {}),
        ...(described ? { 'aria-describedby': described } : {}),
      })}
      {error && <p id={`${id}-error`} class="field-error">{error}</p>}
    </div>
  );
}

/** FormError is a message about a whole form. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return <p role="alert" class="field-error mb-3">{message}</p>;
}
