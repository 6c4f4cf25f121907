import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type PersonalCertificate = {
  id: number;
  serial: string;
  kind: string;
  status: string;
  issued_at: Date;
  revoked_at: Date | null;
  title: string;
  programme_title: string;
  verification_url: string;
  pdf_sha256: string;
};

/** Every certificate of the person, valid or not, with its verification link (data export; not the PDF bytes). */
export async function selectPersonalCertificates(db: Db, userId: number): Promise<PersonalCertificate[]> {
  return db('certificates')
    .select(
      'id',
      'serial',
      'kind',
      'status',
      'issued_at',
      'revoked_at',
      db.raw("snapshot -> 'template' ->> 'title' AS title"),
      db.raw("snapshot ->> 'programmeTitle' AS programme_title"),
      db.raw("snapshot ->> 'verificationUrl' AS verification_url"),
      'pdf_sha256',
    )
    .where('user_id', userId)
    .orderBy([{ column: 'issued_at' }, { column: 'id' }]);
}
