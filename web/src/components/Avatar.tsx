import { avatarColour, initials, safeAvatarUrl } from '../lib/avatar';

interface Props {
  id: string;
  name: string;
  url: string | null;
  size?: number;
}

/** Avatar is a person's picture, or their initials on their colour. Decorative: the name is always written next to it. */
export function Avatar({ id, name, url, size = 48 }: Props) {
  const src = safeAvatarUrl(url);
  const box = { width: `${size}px`, height: `${size}px` };
  if (src) return <img src={src} alt="" width={size} height={size} class="rounded-full object-cover" style={box} />;
  return (
    <span
      aria-hidden="true"
      class="inline-flex items-center justify-center rounded-full font-bold text-white select-none"
      style={{ ...box, background: avatarColour(id), fontSize: `${Math.round(size * 0.38)}px` }}
    >
      {initials(name)}
    </span>
  );
}
