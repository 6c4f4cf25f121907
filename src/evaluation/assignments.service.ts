import type { Knex } from 'knex';
import { assertCan } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { Invalid, NotFound } from '../shared/errors';
import { DEFAULT_ANSWER_DAYS, defaultScope, effectiveAssignment, scopesFor, type AssignmentRow, type Scope } from './assignments.model';
import * as queries from './assignments.queries';
import type { OfferingAssignmentInput, ProgrammeAssignmentInput } from './assignments.schemas';

/** What an audit entry keeps of an assignment: ids and numbers, no titles that may change. */
const auditRow = (row?: AssignmentRow) => row && { questionnaireId: row.questionnaire_id, scope: row.scope, answerDays: row.answer_days };

/**
 * Which questionnaire a programme uses by default and which an offering uses instead (or none).
 * The opening of evaluations (evaluations.queries.ts) reads the same rows with the same rule:
 * the offering's own row first, else the programme's.
 */
export function createAssignmentsService(db: Database) {
  /** A questionnaire may be chosen while current; one already assigned here may be kept although archived since. */
  async function assertAssignable(trx: Knex.Transaction, questionnaireId: number, keptId: number | null | undefined): Promise<void> {
    const questionnaire = await queries.lockQuestionnaireForAssignment(trx, questionnaireId);
    if (!questionnaire || (questionnaire.archived_at && questionnaire.id !== keptId)) throw new Invalid({ questionnaireId: 'evaluationBuilder.errors.questionnaireUnavailable' });
  }

  function assertScopeFits(scope: Scope, programmeKind: string): void {
    if (!scopesFor(programmeKind).includes(scope)) throw new Invalid({ scope: 'evaluationBuilder.errors.moduleScopeOnlySeries' });
  }

  return {
    async programmeEditor(actingUser: SessionUser, programmeId: number) {
      assertCan(actingUser, 'evaluation.manage');
      const [programme, assignments, choices] = await Promise.all([queries.findProgramme(db, programmeId), queries.selectAssignments(db, programmeId, null), queries.selectQuestionnaireChoices(db)]);
      if (!programme) throw new NotFound();
      return { programme, assignment: assignments.programme ?? null, choices, scopes: scopesFor(programme.kind), defaultScope: defaultScope(programme.kind) };
    },

    async saveProgramme(actingUser: SessionUser, programmeId: number, input: ProgrammeAssignmentInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const programme = await queries.findProgramme(trx, programmeId);
        if (!programme) throw new NotFound();
        const before = (await queries.selectAssignments(trx, programmeId, null)).programme;
        const target = { programmeId };
        if (input.questionnaireId === null) {
          await queries.deleteAssignment(trx, target);
        } else {
          await assertAssignable(trx, input.questionnaireId, before?.questionnaire_id);
          assertScopeFits(input.scope, programme.kind);
          await queries.upsertAssignment(trx, target, { questionnaire_id: input.questionnaireId, scope: input.scope, answer_days: input.answerDays });
        }
        await recordAudit(trx, actor, {
          action: 'evaluation.assigned',
          subjectType: 'programme',
          subjectId: programmeId,
          before: auditRow(before) ?? null,
          after: input.questionnaireId === null ? null : { questionnaireId: input.questionnaireId, scope: input.scope, answerDays: input.answerDays },
        });
      });
    },

    async offeringEditor(actingUser: SessionUser, offeringId: number) {
      assertCan(actingUser, 'evaluation.manage');
      const offering = await queries.findOffering(db, offeringId);
      if (!offering) throw new NotFound();
      const [programme, assignments, choices] = await Promise.all([
        queries.findProgramme(db, offering.programme_id),
        queries.selectAssignments(db, offering.programme_id, offeringId),
        queries.selectQuestionnaireChoices(db),
      ]);
      if (!programme) throw new NotFound();
      const own = assignments.offering;
      const mode = !own ? 'programme' : own.questionnaire_id === null ? 'none' : 'other';
      return {
        offering,
        programme,
        own: own ?? null,
        programmeAssignment: assignments.programme ?? null,
        mode,
        effective: effectiveAssignment(own, assignments.programme),
        choices,
        scopes: scopesFor(programme.kind),
        defaultScope: assignments.programme?.scope ?? defaultScope(programme.kind),
        defaultAnswerDays: assignments.programme?.answer_days ?? DEFAULT_ANSWER_DAYS,
      };
    },

    async saveOffering(actingUser: SessionUser, offeringId: number, input: OfferingAssignmentInput, actor: Actor): Promise<void> {
      assertCan(actingUser, 'evaluation.manage');
      await inTransaction(db, async (trx) => {
        const offering = await queries.findOffering(trx, offeringId);
        if (!offering) throw new NotFound();
        const programme = await queries.findProgramme(trx, offering.programme_id);
        if (!programme) throw new NotFound();
        const { offering: before, programme: programmeRow } = await queries.selectAssignments(trx, offering.programme_id, offeringId);
        const target = { offeringId };
        let after: ReturnType<typeof auditRow> | null = null;
        if (input.mode === 'programme') {
          await queries.deleteAssignment(trx, target);
        } else if (input.mode === 'none') {
          // The row says "not evaluated"; scope and period are kept as the programme's for a later change of mind.
          const row = { questionnaire_id: null, scope: programmeRow?.scope ?? defaultScope(programme.kind), answer_days: programmeRow?.answer_days ?? DEFAULT_ANSWER_DAYS };
          await queries.upsertAssignment(trx, target, row);
          after = { questionnaireId: null, scope: row.scope, answerDays: row.answer_days };
        } else {
          await assertAssignable(trx, input.questionnaireId, before?.questionnaire_id);
          assertScopeFits(input.scope, programme.kind);
          await queries.upsertAssignment(trx, target, { questionnaire_id: input.questionnaireId, scope: input.scope, answer_days: input.answerDays });
          after = { questionnaireId: input.questionnaireId, scope: input.scope, answerDays: input.answerDays };
        }
        await recordAudit(trx, actor, { action: 'evaluation.assigned', subjectType: 'offering', subjectId: offeringId, before: auditRow(before) ?? null, after: after ?? { mode: input.mode } });
      });
    },
  };
}

export type AssignmentsService = ReturnType<typeof createAssignmentsService>;
