import type { Request, Response } from 'express';
import { userOf } from '../http/request';
import { contentDisposition } from '../shared/files';
import { processingRecordFileName, renderProcessingRecord } from './processing.pdf';
import type { ProcessingRecords } from './processing.service';

export function createProcessingHandlers(records: ProcessingRecords) {
  return {
    page(req: Request, res: Response): void {
      res.renderPage('privacy/processing', { title: req.t('privacy.processing.title'), record: records.record(userOf(req), req.locale) });
    },

    /** Always German: the document goes into the files of the data-protection officer. */
    pdf(req: Request, res: Response): void {
      const doc = renderProcessingRecord(records.record(userOf(req), 'de'));
      res.type('application/pdf');
      res.setHeader('Content-Disposition', contentDisposition('attachment', processingRecordFileName()));
      doc.pipe(res);
      doc.end();
    },
  };
}
