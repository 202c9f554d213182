// Inline SVG icons, drawn on a 24-unit grid in the current text colour. They
// are decorative: the text next to them carries the meaning.
import type { ComponentChildren } from 'preact';

function Svg({ children, size = 20 }: { children: ComponentChildren; size?: number }) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={size}
      height={size}
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
      class="shrink-0"
    >
      {children}
    </svg>
  );
}

type P = { size?: number };

export const WorkingIcon = (p: P) => (
  <Svg {...p}><rect x="4" y="5" width="16" height="11" rx="1.5" /><path d="M2 19h20" /></Svg>
);
export const BreakIcon = (p: P) => (
  <Svg {...p}><path d="M5 9h11v4a5 5 0 0 1-5 5h-1a5 5 0 0 1-5-5z" /><path d="M16 10.5h1.5a2.5 2.5 0 0 1 0 5H16" /><path d="M8 3.5v2.5M12 3.5v2.5" /></Svg>
);
export const AwayIcon = (p: P) => (
  <Svg {...p}><path d="M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z" /></Svg>
);
export const PeopleIcon = (p: P) => (
  <Svg {...p}><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0" /><circle cx="17" cy="9" r="2.5" /><path d="M16.5 14a5 5 0 0 1 5 5" /></Svg>
);
export const ChartIcon = (p: P) => (
  <Svg {...p}><path d="M3 20h18" /><path d="M7 16v-5M12 16V6M17 16v-8" /></Svg>
);
export const SlidersIcon = (p: P) => (
  <Svg {...p}><path d="M4 6h9M19 6h1M4 12h3M13 12h7M4 18h11M21 18h-1" /><circle cx="16" cy="6" r="2.5" /><circle cx="10" cy="12" r="2.5" /><circle cx="18" cy="18" r="2.5" /></Svg>
);
export const LeaveIcon = (p: P) => (
  <Svg {...p}><path d="M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4" /><path d="M9 16l-4-4 4-4" /><path d="M5 12h11" /></Svg>
);
export const PlayIcon = (p: P) => (
  <Svg {...p}><path d="M7 5l12 7-12 7z" /></Svg>
);
export const PauseIcon = (p: P) => (
  <Svg {...p}><path d="M8 5v14M16 5v14" /></Svg>
);
export const ResetIcon = (p: P) => (
  <Svg {...p}><path d="M4 12a8 8 0 1 0 2.4-5.7" /><path d="M4 4v4h4" /></Svg>
);
export const CheckIcon = (p: P) => (
  <Svg {...p}><path d="M5 12.5l4.5 4.5L19 7.5" /></Svg>
);
export const HideIcon = (p: P) => (
  <Svg {...p}><path d="M3 3l18 18" /><path d="M10.6 6.1A9.6 9.6 0 0 1 12 6c5 0 8.5 4 9.5 6a13 13 0 0 1-2.4 3.2M6.6 7.6C4.6 8.9 3.1 10.8 2.5 12c1 2 4.5 6 9.5 6a9 9 0 0 0 4.3-1" /><path d="M9.9 9.9a3 3 0 0 0 4.2 4.2" /></Svg>
);
export const ShowIcon = (p: P) => (
  <Svg {...p}><path d="M2.5 12C3.5 10 7 6 12 6s8.5 4 9.5 6c-1 2-4.5 6-9.5 6s-8.5-4-9.5-6z" /><circle cx="12" cy="12" r="3" /></Svg>
);
export const OfflineIcon = (p: P) => (
  <Svg {...p}><path d="M3 3l18 18" /><path d="M8.5 16.5a5 5 0 0 1 7 0" /><path d="M5 12.9a10 10 0 0 1 5.2-2.7M14.6 10.4A10 10 0 0 1 19 12.9" /><path d="M2 9.3a15 15 0 0 1 4.2-2.6M10.8 5.1A15 15 0 0 1 22 9.3" /><path d="M12 20h.01" /></Svg>
);
export const LockIcon = (p: P) => (
  <Svg {...p}><rect x="5" y="11" width="14" height="9" rx="2" /><path d="M8 11V8a4 4 0 0 1 8 0v3" /></Svg>
);
export const PlusIcon = (p: P) => (
  <Svg {...p}><path d="M12 5v14M5 12h14" /></Svg>
);
export const CloseIcon = (p: P) => (
  <Svg {...p}><path d="M6 6l12 12M18 6L6 18" /></Svg>
);
export const ArrowIcon = (p: P) => (
  <Svg {...p}><path d="M5 12h14M13 6l6 6-6 6" /></Svg>
);
export const MicOffIcon = (p: P) => (
  <Svg {...p}><path d="M3 3l18 18" /><path d="M9 9v2a3 3 0 0 0 5 2.2M15 10V6a3 3 0 0 0-5.7-1.3" /><path d="M5 11a7 7 0 0 0 11.5 5.4M19 11a7 7 0 0 1-.6 2.8M12 18v3" /></Svg>
);
export const MicIcon = (p: P) => (
  <Svg {...p}><rect x="9" y="3" width="6" height="11" rx="3" /><path d="M5 11a7 7 0 0 0 14 0M12 18v3" /></Svg>
);
export const CameraIcon = (p: P) => (
  <Svg {...p}><rect x="3" y="6" width="13" height="12" rx="2" /><path d="M16 10.5l5-3v9l-5-3z" /></Svg>
);

/** Logo is the app mark: two people side by side at a desk. */
export const Logo = ({ size = 28 }: P) => (
  <svg viewBox="0 0 64 64" width={size} height={size} aria-hidden="true" focusable="false" class="shrink-0">
    <rect width="64" height="64" rx="14" class="fill-accent" />
    <g class="fill-surface">
      <circle cx="23.7" cy="24.3" r="5.4" />
      <circle cx="40.3" cy="24.3" r="5.4" />
      <path d="M16.3 43.5V39.4a7.4 7.4 0 0 1 14.8 0v4.1zM32.9 43.5V39.4a7.4 7.4 0 0 1 14.8 0v4.1z" />
      <rect x="12.8" y="43.5" width="38.4" height="3.5" />
    </g>
  </svg>
);
