/**
 * The shell of every page: head with the inline stylesheet, the site header with navigation and
 * the signed-in principal, the disclaimer footer. A pure function of its props.
 */

import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { decisionSupportDisclaimer } from '../../outputs/conclusion.js';
import type { Principal } from '../view-props.js';
import { pageStyle } from './page-style.js';
import { csrfFieldName, viewPaths } from './view-paths.js';

export interface LayoutProps {
  title: string;
  /** Absent on the sign-in page: no navigation without a principal. */
  principal?: Principal | undefined;
  /** Carried by the sign-out form; required whenever a principal is shown. */
  csrfToken?: string | null;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  const { principal } = props;
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title>{`${props.title} · DDx Assist`}</title>
          {/* A constant of this file, never record data: raw keeps its quotes intact. */}
          <style>{raw(pageStyle)}</style>
        </head>
        <body>
          <header class="site">
            <a class="brand" href={viewPaths.worklist}>
              DDx Assist
            </a>
            {principal && (
              <nav aria-label="Main">
                <a href={viewPaths.worklist}>Worklist</a>
                <a href={viewPaths.upload}>Upload</a>
                <span class="who">
                  <span>
                    {principal.id} ({principal.role})
                  </span>
                  <form method="post" action={viewPaths.signOut}>
                    <input type="hidden" name={csrfFieldName} value={props.csrfToken ?? ''} />
                    <button type="submit">Sign out</button>
                  </form>
                </span>
              </nav>
            )}
          </header>
          <main>{props.children}</main>
          <footer class="site">{decisionSupportDisclaimer}</footer>
        </body>
      </html>
    </>
  );
}
