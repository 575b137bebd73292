import type { Child } from 'hono/jsx';

/** A wide table's frame: it scrolls sideways on small screens and can be reached and scrolled with the keyboard. */
export function TableScroll(props: { children: Child }) {
  return (
    <div class="table-wrap" tabindex={0} role="region" aria-label="Table, scrolls sideways on small screens">
      {props.children}
    </div>
  );
}
