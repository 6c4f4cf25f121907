import type { Database } from '../db/database';
import type { Locale } from '../i18n/i18n';

export type Contact = { id: number; email: string; firstName: string; lastName: string; locale: Locale; active: boolean; organisationName: string | null };

/** Names and addresses for mails and lists, for many people in one query. */
export async function selectContacts(db: Database, userIds: number[]): Promise<Map<number, Contact>> {
  const contacts = new Map<number, Contact>();
  if (userIds.length === 0) return contacts;
  const rows = await db('users')
    .leftJoin('organisations', 'organisations.id', 'users.organisation_id')
    .select('users.id', 'users.email', 'users.first_name', 'users.last_name', 'users.locale', 'users.active', 'organisations.name as organisation_name')
    .whereIn('users.id', [...new Set(userIds)]);
  for (const row of rows) {
    contacts.set(row.id, { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name, locale: row.locale, active: row.active, organisationName: row.organisation_name });
  }
  return contacts;
}

export async function selectContactByEmail(db: Database, email: string): Promise<Contact | undefined> {
  const row = await db('users').select('id').whereRaw('lower(email) = lower(?)', [email]).first();
  return row ? (await selectContacts(db, [row.id])).get(row.id) : undefined;
}

/** Accounts for many addresses in one query, keyed by the lower-case address (addresses are unique regardless of case). */
export async function selectContactsByEmails(db: Database, emails: string[]): Promise<Map<string, Contact>> {
  const byEmail = new Map<string, Contact>();
  const wanted = [...new Set(emails.map((email) => email.trim().toLowerCase()).filter(Boolean))];
  if (wanted.length === 0) return byEmail;
  const rows: { id: number }[] = await db('users')
    .select('id')
    .whereRaw(`lower(email) IN (${wanted.map(() => '?').join(', ')})`, wanted);
  const contacts = await selectContacts(db, rows.map((row) => row.id));
  for (const contact of contacts.values()) byEmail.set(contact.email.toLowerCase(), contact);
  return byEmail;
}
