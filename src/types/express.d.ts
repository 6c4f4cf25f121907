import type { SessionUser } from '../accounts/roles';
import type { Locale, Translate } from '../i18n/i18n';

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
    interface Request {
      t: Translate;
      locale: Locale;
    }
    interface Response {
      /** Renders views/<view>.ejs inside the layout. */
      renderPage(view: string, locals?: Record<string, unknown>): void;
    }
  }
}

export {};
