/** The evaluation domain's part of the Löschkonzept, for src/privacy/retention.service.ts: anonymous answers go with their offering's funding records. */
export { countAnswersOfOfferings, deleteEvaluationsOfOfferings } from './privacy.queries';
