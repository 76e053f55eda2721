/** `/sign-in`: one field labelled "Token" (from `ddx tokens create`), posted to set a session. */
import type { SignInPageProps } from '../view-props.js';
import { Layout } from './layout.js';
import { csrfFieldName, viewPaths } from './view-paths.js';

export function SignInPage(props: SignInPageProps) {
  return (
    <Layout title="Sign in">
      <section class="card">
        <h1>Sign in</h1>
        {props.error && (
          <p class="error" role="alert">
            {props.error}
          </p>
        )}
        <form class="stack" method="post" action={viewPaths.signIn}>
          <input type="hidden" name={csrfFieldName} value={props.csrfToken} />
          <div>
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="off" required spellcheck={false} />
          </div>
          <button class="primary" type="submit">
            Sign in
          </button>
        </form>
        <p class="muted">
          An administrator creates a token with <code>ddx tokens create --role reviewer</code>; it is shown
          once.
        </p>
      </section>
    </Layout>
  );
}
