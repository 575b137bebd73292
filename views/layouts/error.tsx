import { Base } from './base.tsx';
import type { Actor } from '../../src/auth/permissions.ts';

export function ErrorPage(props: { actor: Actor | null; title: string; message: string }) {
  return (
    <Base title={props.title}>
      <main id="main" class="narrow">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        <p>
          <a href={props.actor ? '/' : '/login'}>{props.actor ? 'Go to your home page' : 'Sign in'}</a>
        </p>
      </main>
    </Base>
  );
}
