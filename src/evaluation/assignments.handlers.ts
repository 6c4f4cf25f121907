import type { Request, Response } from 'express';
import { actorOf } from '../audit/audit.service';
import { setFlash } from '../http/flash';
import { formData, type FormPage } from '../http/forms';
import { idParam, userOf } from '../http/request';
import { DEFAULT_ANSWER_DAYS, type AssignmentRow } from './assignments.model';
import type { OfferingAssignmentInput, ProgrammeAssignmentInput } from './assignments.schemas';
import type { AssignmentsService } from './assignments.service';

/** The choices, plus the questionnaire assigned now if it has been archived since: saving the form unchanged keeps it. */
function choicesKeeping(req: Request, choices: { id: number; title: string }[], row: AssignmentRow | null) {
  if (!row?.questionnaire_id || !row.questionnaire_archived) return choices;
  return [...choices, { id: row.questionnaire_id, title: req.t('evaluationBuilder.assignment.archivedSuffix', { title: row.questionnaire_title }) }];
}

const programmePath = (id: number) => `/manage/programmes/${id}/evaluation`;
const offeringPath = (id: number) => `/manage/offerings/${id}/evaluation`;

export function createAssignmentHandlers(assignments: AssignmentsService) {
  const pages = {
    programme: {
      view: 'evaluation/assignment-programme',
      titleKey: 'evaluationBuilder.assignment.programmeTitle',
      locals: async (req: Request) => {
        const editor = await assignments.programmeEditor(userOf(req), idParam(req));
        const current = editor.assignment;
        return {
          ...editor,
          choices: choicesKeeping(req, editor.choices, current),
          current: {
            questionnaireId: current?.questionnaire_id ? String(current.questionnaire_id) : '',
            scope: current?.scope ?? editor.defaultScope,
            answerDays: String(current?.answer_days ?? DEFAULT_ANSWER_DAYS),
          },
        };
      },
    } satisfies FormPage,
    offering: {
      view: 'evaluation/assignment-offering',
      titleKey: 'evaluationBuilder.assignment.offeringTitle',
      locals: async (req: Request) => {
        const editor = await assignments.offeringEditor(userOf(req), idParam(req));
        const own = editor.mode === 'other' ? editor.own : null;
        return {
          ...editor,
          choices: choicesKeeping(req, editor.choices, own),
          current: {
            mode: editor.mode,
            questionnaireId: own?.questionnaire_id ? String(own.questionnaire_id) : '',
            scope: own?.scope ?? editor.defaultScope,
            answerDays: String(own?.answer_days ?? editor.defaultAnswerDays),
          },
        };
      },
    } satisfies FormPage,
  };

  return {
    pages,

    async saveProgramme(req: Request, res: Response): Promise<void> {
      await assignments.saveProgramme(userOf(req), idParam(req), formData<ProgrammeAssignmentInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.assignmentSaved' });
      res.redirect(303, programmePath(idParam(req)));
    },

    async saveOffering(req: Request, res: Response): Promise<void> {
      await assignments.saveOffering(userOf(req), idParam(req), formData<OfferingAssignmentInput>(res), actorOf(req));
      setFlash(req, { type: 'success', messageKey: 'evaluationBuilder.flash.assignmentSaved' });
      res.redirect(303, offeringPath(idParam(req)));
    },
  };
}
