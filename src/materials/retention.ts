/** The materials domain's part of the Löschkonzept, for src/privacy/retention.service.ts. */
export { countVisitsOfOfferings, deleteVisitsOfOfferings } from './retention.queries';
