import type { Request, Response } from 'express';
import { addMonths } from 'date-fns';
import { idParam } from '../http/request';
import { berlinMonth, formatMonth, type Locale } from '../shared/format';
import type { CatalogService } from './catalog.service';
import { catalogFilterSchema } from './catalog.schemas';

/**
 * Month names of the filter, remembered: formatMonth builds an Intl formatter on every call,
 * and twelve of them were the largest single cost of a catalog view. Twelve months a year
 * in two languages; the map is emptied if it ever grows past a few years of them.
 */
const monthLabels = new Map<string, string>();

function monthChoices(locale: Locale, today: Date): { value: string; label: string }[] {
  if (monthLabels.size > 200) monthLabels.clear();
  return Array.from({ length: 12 }, (_, index) => {
    const value = berlinMonth(addMonths(today, index));
    const key = `${locale}:${value}`;
    let label = monthLabels.get(key);
    if (label === undefined) {
      label = formatMonth(value, locale);
      monthLabels.set(key, label);
    }
    return { value, label };
  });
}

export function createCatalogHandlers(catalog: CatalogService) {
  return {
    async list(req: Request, res: Response): Promise<void> {
      const filter = catalogFilterSchema.parse(req.query);
      const { offerings, programmes } = await catalog.listUpcoming({ kind: filter.kind, programmeId: filter.programme, month: filter.month, freeOnly: filter.free, page: filter.page });
      const months = monthChoices(req.locale, new Date());
      res.renderPage('catalog/list', { title: req.t('catalog.list.title'), offerings, programmes, filter, months });
    },

    async detail(req: Request, res: Response): Promise<void> {
      const detail = await catalog.getOffering(idParam(req), req.user);
      res.renderPage('catalog/detail', { title: detail.offering.title, ...detail });
    },
  };
}
