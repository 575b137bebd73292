import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';

export function VendorHomePage(props: { ctx: ViewContext }) {
  return (
    <AppLayout ctx={props.ctx} title="Queues">
      <h1>Queues</h1>
      <p>Signed in to the StrataPT console as {props.ctx.actor.name}.</p>
    </AppLayout>
  );
}
