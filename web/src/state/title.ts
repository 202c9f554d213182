import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

/** screenTitle is the current screen's name; app.tsx makes the tab title from it. */
export const screenTitle = signal('');

export function useTitle(title: string): void {
  useEffect(() => {
    screenTitle.value = title;
  }, [title]);
}
