import type { ComponentChildren } from 'preact';

interface Props {
  /** 0..100 */
  value: number;
  size: number;
  children: ComponentChildren;
}

/** ProgressRing draws focus progress around its child. Decorative: callers say the number in text. */
export function ProgressRing({ value, size, children }: Props) {
  const stroke = 4;
  const r = (size - stroke) / 2;
  const c = 2 * Math.PI * r;
  const v = Math.min(100, Math.max(0, value));
  return (
    <span class="relative inline-flex items-center justify-center" style={{ width: `${size}px`, height: `${size}px` }}>
      <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} aria-hidden="true" focusable="false" class="absolute inset-0 -rotate-90">
        <circle cx={size / 2} cy={size / 2} r={r} fill="none" stroke-width={stroke} class="stroke-border" />
        <circle
          cx={size / 2}
          cy={size / 2}
          r={r}
          fill="none"
          stroke-width={stroke}
          stroke-linecap="round"
          stroke-dasharray={`${(c * v) / 100} ${c}`}
          class="stroke-accent transition-[stroke-dasharray] duration-500"
        />
      </svg>
      {children}
    </span>
  );
}
