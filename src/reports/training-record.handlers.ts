import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { idParam, userOf } from '../http/request';
import { contentDisposition } from '../shared/files';
import { renderTrainingRecord, trainingRecordFileName } from './training-record.pdf';
import type { TrainingRecord, TrainingRecordService } from './training-record.service';

/** The training record as a PDF download: one's own, or anybody's for coordination (audited by the service). */
export function createTrainingRecordHandlers(trainingRecords: TrainingRecordService) {
  function send(res: Response, record: TrainingRecord): void {
    const doc = renderTrainingRecord(record);
    res.type('application/pdf');
    // A download with Content-Disposition also gets `Cache-Control: no-store` (http/cache-control.ts).
    res.setHeader('Content-Disposition', contentDisposition('attachment', trainingRecordFileName(record)));
    doc.pipe(res);
    doc.end();
  }

  return {
    async mine(req: Request, res: Response): Promise<void> {
      send(res, await trainingRecords.mine(userOf(req)));
    },

    async forPerson(req: Request, res: Response): Promise<void> {
      send(res, await trainingRecords.forPerson(userOf(req), idParam(req, 'userId'), actorOf(req)));
    },
  };
}
