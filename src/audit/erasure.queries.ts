import type { Knex } from 'knex';

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How a value appears inside the JSON text of `before`/`after` (quotes and backslashes escaped). */
function asJsonText(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

export const REDACTED = '[gelöscht]';

/** Keys under which entries about an account keep personal values (registration, corrections). */
const PERSONAL_KEYS = ['first_name', 'last_name', 'firstName', 'lastName', 'name', 'email', 'department'];

/**
 * The audit trail stays: who acted, what, on what and when (ids only) are kept, because the
 * trail is the proof of what happened to funder-relevant records. What identifies the person
 * goes: their IP address on entries they made, and their name and e-mail inside `before` and
 * `after` of every entry about them or made by them or mentioning the address (a failed login,
 * a registration, a correction of their data). The table is append-only by trigger; an UPDATE
 * of only ip/before/after is let through inside this transaction alone (migration
 * 20261212220000), DELETE never.
 */
export async function redactAuditTrailOf(trx: Knex.Transaction, userId: number, email: string, names: readonly string[]): Promise<number> {
  await trx.raw("SELECT set_config('kokoma.audit_redaction', 'erasure', true)");
  const emailPattern = escapeRegex(asJsonText(email));
  const namePattern = names
    .filter((name) => name.trim() !== '')
    .map((name) => escapeRegex(asJsonText(name)))
    .sort((a, b) => b.length - a.length)
    .join('|');
  // On entries about the person's account, every personal field is redacted by its key, so a
  // name they had before a correction goes too; elsewhere their current name and address.
  const byKey = (column: string) =>
    `CASE WHEN subject_type = 'user' AND subject_id = :userIdText AND jsonb_typeof(${column}) = 'object'
          THEN ${column} || (SELECT coalesce(jsonb_object_agg(key, to_jsonb(CAST(:redactedValue AS text))), '{}'::jsonb)
                               FROM jsonb_each(${column}) WHERE key = ANY(CAST(:personalKeys AS text[])) AND jsonb_typeof(value) = 'string')
          ELSE ${column} END`;
  const redact = (column: string) =>
    `CASE WHEN ${column} IS NULL THEN NULL ELSE regexp_replace(regexp_replace((${byKey(column)})::text, :emailPattern, :redacted, 'gi'), :namePattern, :redacted, 'g')::jsonb END`;
  const result = await trx.raw(
    `UPDATE audit_events
        SET ip = CASE WHEN actor_user_id = :userId THEN NULL ELSE ip END,
            before = ${redact('before')},
            after = ${redact('after')}
      WHERE actor_user_id = :userId
         OR (subject_type = 'user' AND subject_id = :userIdText)
         OR position(:address in lower(coalesce(before::text, '') || coalesce(after::text, ''))) > 0`,
    { userId, userIdText: String(userId), address: asJsonText(email.toLowerCase()), emailPattern, namePattern: namePattern ? `\\m(?:${namePattern})\\M` : '$^', redacted: asJsonText(REDACTED), redactedValue: REDACTED, personalKeys: `{${PERSONAL_KEYS.join(',')}}` },
  );
  await trx.raw("SELECT set_config('kokoma.audit_redaction', '', true)");
  return (result as { rowCount: number }).rowCount;
}
