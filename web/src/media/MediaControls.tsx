import type { ComponentChildren } from 'preact';
import type { Media, Room } from '../lib/types';
import { busy, mediaNotice, myMedia, setCamera, setMic, setWatching } from './state';

interface ToggleProps {
  id: keyof Media;
  checked: boolean;
  hint?: string;
  onChange: (on: boolean) => Promise<void>;
  children: ComponentChildren;
}

/** Toggle is one on/off switch; it shows "Starting…" while the browser asks for the device. */
function Toggle({ id, checked, hint, onChange, children }: ToggleProps) {
  const b = busy.value;
  const hintId = hint ? `media-${id}-hint` : undefined;
  return (
    <div>
      <label class="choice">
        <input
          type="checkbox"
          role="switch"
          id={`media-${id}`}
          data-testid={`media-${id}`}
          checked={checked || b === id}
          disabled={b !== null}
          aria-describedby={hintId}
          onChange={(e) => void onChange(e.currentTarget.checked)}
        />
        <span>
          {children}
          {b === id && <span class="font-normal text-muted"> · Starting…</span>}
        </span>
      </label>
      {hint && <p id={hintId} class="hint -mt-1 mb-1 pl-8">{hint}</p>}
    </div>
  );
}

/** MediaControls is my camera, mic and whether I see others' video. Everything starts off. */
export function MediaControls({ room }: { room: Room }) {
  const m = myMedia.value;
  const open = room.micPolicy === 'open';
  return (
    <section aria-labelledby="media-title" class="card p-4 sm:p-5" data-testid="media-controls">
      <h2 id="media-title" class="label">Camera{open ? ' and mic' : ''}</h2>
      <p class="hint mb-2">Off until you turn {open ? 'them' : 'it'} on.</p>
      <Toggle
        id="camera"
        checked={m.camera}
        hint={m.camera ? 'People who show video can see you.' : undefined}
        onChange={setCamera}
      >
        Camera
      </Toggle>
      {open ? (
        <Toggle id="mic" checked={m.mic} hint={m.mic ? 'People here can hear you.' : undefined} onChange={setMic}>
          Mic
        </Toggle>
      ) : (
        <p class="hint mb-1" data-testid="media-mic-off">Mics stay off in this room: it was made a quiet room.</p>
      )}
      <Toggle
        id="watching"
        checked={m.watching}
        hint={open ? "You'll also hear people whose mic is on." : undefined}
        onChange={setWatching}
      >
        Show others' video
      </Toggle>
      <div role="status" data-testid="media-notice">
        {mediaNotice.value && <p class="mt-2 text-sm">{mediaNotice.value}</p>}
      </div>
    </section>
  );
}
