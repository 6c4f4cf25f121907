import type { BulkPlan, PlannedRow } from './bulk-plan';

export type PreviewRowView = {
  line: number;
  email: string;
  name: string;
  organisation: string;
  outcomeKey: string;
  outcomeParams: Record<string, unknown>;
  isError: boolean;
};

/**
 * A planned row as the preview table shows it. For people who already have an account,
 * name and organisation come from the account (the list changes nothing about it).
 */
function rowView(row: PlannedRow): PreviewRowView {
  const listed = { line: row.line, email: row.email, name: `${row.firstName} ${row.lastName}`.trim(), organisation: row.organisation, isError: false };
  switch (row.kind) {
    case 'invite':
      return { ...listed, organisation: row.organisationName, outcomeKey: `bulk.outcome.invite.${row.placement.status}`, outcomeParams: { position: row.placement.position } };
    case 'enroll':
      return { ...listed, name: row.accountName, organisation: row.accountOrganisation ?? '', outcomeKey: `bulk.outcome.enroll.${row.placement.status}`, outcomeParams: { position: row.placement.position } };
    case 'alreadyEnrolled':
      return { ...listed, name: row.accountName, organisation: row.accountOrganisation ?? '', outcomeKey: `bulk.outcome.alreadyEnrolled.${row.status}`, outcomeParams: {} };
    default:
      return { ...listed, outcomeKey: row.error, outcomeParams: row.params, isError: true };
  }
}

export function previewView(plan: BulkPlan) {
  const { counts } = plan;
  return {
    rows: plan.rows.map(rowView),
    counts,
    /** Rows that will change something; with none, there is nothing to confirm. */
    actionable: counts.invited + counts.enrolled,
  };
}
