/** An in-app link: a real <a href> (middle click, copy link work) that navigates without a reload. */
import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../hooks/use-route.ts';

export function Link({ href, children, class: className }: { readonly href: string; readonly children: ComponentChildren; readonly class?: string }) {
  return (
    <a href={href} class={className} onClick={onLinkClick}>
      {children}
    </a>
  );
}
