import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** lazy loads a screen's code the first time it is shown. */
export function lazy<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      load().then(
        (m) => {
          loaded = m.default;
          setReady(true);
        },
        () => setFailed(true),
      );
    }, []);
    if (loaded) {
      const C = loaded;
      return <C {...props} />;
    }
    if (failed) {
      return (
        <p role="alert">
          This page didn't load. Check your connection and{' '}
          <button type="button" class="link" onClick={() => location.reload()}>try again</button>.
        </p>
      );
    }
    return <p class="text-muted">Loading…</p>;
  };
}
