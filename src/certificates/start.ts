import type { Database } from '../db/database';
import { countValidOfUser } from './start.queries';

/** Published for the start page: how many valid certificates a person holds (their list is /my/certificates). */
export function validCertificateCountOf(db: Database, userId: number): Promise<number> {
  return countValidOfUser(db, userId);
}
