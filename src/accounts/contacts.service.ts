import type { Database } from '../db/database';
import * as queries from './contacts.queries';

export type { Contact } from './contacts.queries';

/**
 * The accounts domain's published read model of people: names, addresses, language and
 * organisation, for mails and lists in other domains (which never read the users table
 * for this themselves).
 */
export const contactsOf = (db: Database, userIds: number[]) => queries.selectContacts(db, userIds);

export const findContactByEmail = (db: Database, email: string) => queries.selectContactByEmail(db, email);

/** Keyed by the lower-case address (addresses are unique regardless of case). */
export const contactsByEmails = (db: Database, emails: string[]) => queries.selectContactsByEmails(db, emails);
