import type { TFunction } from 'i18next';
import type { InvitationPlan, PlannedInvitation } from './account-invitations.plan';

export type InvitationRowView = { line: number; email: string; name: string; organisation: string; outcome: string; isError: boolean };

/** A planned row as the preview table shows it; for existing accounts, the name the account has. */
function rowView(row: PlannedInvitation, t: TFunction): InvitationRowView {
  const listed = { line: row.line, email: row.email, name: `${row.firstName} ${row.lastName}`.trim(), organisation: row.organisation, isError: false };
  switch (row.kind) {
    case 'new':
      return {
        ...listed,
        organisation: row.organisationName,
        outcome: t('admin.invitations.outcome.new', { role: t(`common.roles.${row.roleValue}`), language: t(`admin.invitations.languages.${row.locale}`) }),
      };
    case 'exists':
      return { ...listed, outcome: t('admin.invitations.outcome.exists', { name: row.accountName }) };
    default:
      return { ...listed, outcome: t(row.error, row.params), isError: true };
  }
}

export function invitationPreviewView(plan: InvitationPlan, t: TFunction) {
  return { rows: plan.rows.map((row) => rowView(row, t)), counts: plan.counts, hasErrors: plan.counts.errors > 0 };
}
