import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config';
import { DEFAULT_LOCALE, isLocale, translatorFor } from '../i18n/i18n';
import { formatDate, formatDateTime, formatMonth, formatTime, formatTimeRange } from '../shared/format';
import { navigationFor } from './navigation';

export const LOCALE_COOKIE = 'lang';

/** Language: this device's choice (cookie), else the account's setting, else German. */
export function localeMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const cookieLocale = (req.cookies as Record<string, unknown> | undefined)?.[LOCALE_COOKIE];
  req.locale = isLocale(cookieLocale) ? cookieLocale : (req.user?.locale ?? DEFAULT_LOCALE);
  req.t = translatorFor(req.locale);
  next();
}

/** What every template may use: translation, formatting, the user, navigation, region. */
export function viewLocals(config: Config) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const locale = req.locale;
    res.locals.t = req.t;
    res.locals.locale = locale;
    res.locals.formatDate = (value: Date | string) => formatDate(value, locale);
    res.locals.formatTime = (value: Date | string) => formatTime(value, locale);
    res.locals.formatDateTime = (value: Date | string) => formatDateTime(value, locale);
    res.locals.formatTimeRange = (start: Date | string, end: Date | string) => formatTimeRange(start, end, locale);
    res.locals.formatMonth = (month: string) => formatMonth(month, locale);
    res.locals.currentUser = req.user ?? null;
    res.locals.currentPath = req.path;
    res.locals.currentUrl = req.originalUrl;
    res.locals.navigation = navigationFor(req.user?.role, req.path);
    res.locals.region = config.region;
    res.locals.errors = {};
    res.locals.values = {};
    res.locals.flash = null;
    next();
  };
}
