import type { Request, Response } from 'express';
import { idParam, userOf } from '../http/request';
import { contentDisposition } from '../shared/files';
import { attendanceCsv, writeAttendanceXlsx } from './attendance.export';
import { peopleFilterSchema } from './attendance.schemas';
import type { AttendanceService } from './attendance.service';
import { matrixLabels } from './attendance.view';


/** Progress of a person (their own, or for coordinators anybody's), the matrix of an offering and its exports. */
export function createCompletionHandlers(attendance: AttendanceService) {
  return {
    async myProgress(req: Request, res: Response): Promise<void> {
      const user = userOf(req);
      const [programmes, excuses] = await Promise.all([attendance.progressOf(user.id), attendance.excusesOf(user.id)]);
      res.renderPage('attendance/progress', { title: req.t('attendance.progress.title'), programmes, excuses, person: null });
    },

    async personHistory(req: Request, res: Response): Promise<void> {
      const { person, programmes, excuses } = await attendance.personHistory(userOf(req), idParam(req));
      res.renderPage('attendance/progress', { title: req.t('attendance.progress.personTitle', { name: `${person.firstName} ${person.lastName}` }), programmes, excuses, person });
    },

    /** A page of people at a time, with a name search; the exports below keep the whole offering. */
    async matrix(req: Request, res: Response): Promise<void> {
      const filter = peopleFilterSchema.parse(req.query);
      const matrix = await attendance.matrixPage(userOf(req), idParam(req), { search: filter.q, page: filter.page });
      res.renderPage('attendance/matrix', { title: req.t('attendance.matrix.title', { offering: matrix.offering.title }), ...matrix, ...matrixLabels(req.t), filter });
    },

    async exportCsv(req: Request, res: Response): Promise<void> {
      const matrix = await attendance.matrix(userOf(req), idParam(req));
      res.type('text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', contentDisposition('attachment', `anwesenheit-${matrix.offering.id}.csv`));
      res.send(attendanceCsv(matrix, req.t, req.locale));
    },

    async exportXlsx(req: Request, res: Response): Promise<void> {
      const matrix = await attendance.matrix(userOf(req), idParam(req));
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.setHeader('Content-Disposition', contentDisposition('attachment', `anwesenheit-${matrix.offering.id}.xlsx`));
      await writeAttendanceXlsx(matrix, req.t, req.locale, res);
      res.end();
    },
  };
}
