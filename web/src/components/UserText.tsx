interface Props {
  text: string;
  as?: 'span' | 'strong' | 'p' | 'li' | 'h1' | 'h4';
  class?: string;
  tabIndex?: number;
  'data-testid'?: string;
}

/**
 * UserText is a string someone typed (a name, a room, a goal): written in
 * its own direction (dir="auto", so an Arabic or Hebrew name keeps its
 * first word and its punctuation where it belongs, even inside an English
 * sentence), and allowed to break anywhere, so one long unbroken word never
 * makes the page wider than a phone. data-user-text marks it for the
 * browser tests. In a list, put it inside the <li>: the bullet then stays
 * on the side of the page's language.
 */
export function UserText({ as = 'span', text, class: cls, ...rest }: Props) {
  const Tag = as as 'span'; // one element type for the checker; the attributes suit them all
  return (
    <Tag {...rest} dir="auto" data-user-text="" class={`wrap-anywhere ${cls ?? ''}`}>
      {text}
    </Tag>
  );
}
