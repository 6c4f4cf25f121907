import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { contentDisposition } from '../shared/files';
import { renderPersonalDataPdf } from './export.pdf';
import { exportFileName, personalDataJson, type ExportService } from './export.service';

/** The person's own data as files; Content-Disposition also makes them `no-store` (http/cache-control.ts). */
export function createExportHandlers(exports: ExportService, regionName: string) {
  return {
    async json(req: Request, res: Response): Promise<void> {
      const data = await exports.mine(userOf(req));
      res.setHeader('Content-Disposition', contentDisposition('attachment', exportFileName(req.t('privacy.export.fileName'), data, 'json')));
      res.type('application/json').send(`${JSON.stringify(personalDataJson(data), null, 2)}\n`);
    },

    async pdf(req: Request, res: Response): Promise<void> {
      const data = await exports.mine(userOf(req));
      const doc = renderPersonalDataPdf(data, regionName);
      res.type('application/pdf');
      res.setHeader('Content-Disposition', contentDisposition('attachment', exportFileName(req.t('privacy.export.fileName'), data, 'pdf')));
      doc.pipe(res);
      doc.end();
    },
  };
}
