import type { ComponentChildren } from 'preact';
import { isPlainClick, navigate } from '../lib/router';

interface Props {
  href: string;
  class?: string;
  'data-testid'?: string;
  'aria-current'?: 'page';
  children: ComponentChildren;
}

/** Link is an ordinary link that the router follows without a page load. */
export function Link({ href, children, ...rest }: Props) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (!isPlainClick(e)) return;
        e.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
