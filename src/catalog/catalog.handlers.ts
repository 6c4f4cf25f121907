import type { Request, Response } from 'express';
import { addMonths } from 'date-fns';
import { idParam } from '../http/request';
import { berlinMonth } from '../shared/format';
import type { CatalogService } from './catalog.service';
import { catalogFilterSchema } from './catalog.schemas';

export function createCatalogHandlers(catalog: CatalogService) {
  return {
    async list(req: Request, res: Response): Promise<void> {
      const filter = catalogFilterSchema.parse(req.query);
      const { offerings, programmes } = await catalog.listUpcoming({ kind: filter.kind, programmeId: filter.programme, month: filter.month, freeOnly: filter.free, page: filter.page });
      const today = new Date();
      const months = Array.from({ length: 12 }, (_, index) => berlinMonth(addMonths(today, index)));
      res.renderPage('catalog/list', { title: req.t('catalog.list.title'), offerings, programmes, filter, months });
    },

    async detail(req: Request, res: Response): Promise<void> {
      const detail = await catalog.getOffering(idParam(req), req.user);
      res.renderPage('catalog/detail', { title: detail.offering.title, ...detail });
    },
  };
}
