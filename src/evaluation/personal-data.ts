/**
 * What the evaluation domain stores about one person, for their data export (Art. 15 and 20
 * DSGVO): the open evaluations they are invited to and whether they answered (yes/no). Their
 * answers cannot be exported: nothing links an answer to a person.
 */
export { selectPersonalEvaluations } from './privacy.queries';
export type { PersonalEvaluation } from './privacy.queries';
