import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

export type RecentMaterialRow = { material_id: number; title: string; version: number; uploaded_at: Date; offering_id: number; offering_title: string };

/**
 * Materials of the offerings a trainer teaches (published ones) whose newest version was
 * uploaded at `since` or later, the newest first: those of the offerings' sessions and those of
 * their programmes' modules, as the offering's materials page shows them. A module's material
 * is shown once, with the trainer's latest offering of that programme. Trainers see every
 * visibility of what they teach, so none is filtered out.
 */
export async function selectRecentForTrainer(db: Db, trainerId: number, since: Date, limit: number): Promise<RecentMaterialRow[]> {
  const result = await db.raw<{ rows: RecentMaterialRow[] }>(
    `WITH taught AS (
       SELECT DISTINCT o.id AS offering_id, o.title AS offering_title, o.programme_id
         FROM session_trainers st
         JOIN offering_sessions s ON s.id = st.session_id
         JOIN offerings o ON o.id = s.offering_id AND o.status = 'published'
        WHERE st.user_id = :trainerId
     )
     SELECT m.id AS material_id, m.title, v.version, v.uploaded_at, t.offering_id, t.offering_title
       FROM materials m
       JOIN LATERAL (SELECT version, uploaded_at FROM material_versions
                      WHERE material_id = m.id ORDER BY version DESC LIMIT 1) v ON true
       JOIN LATERAL (SELECT taught.offering_id, taught.offering_title FROM taught
                      WHERE taught.offering_id = (SELECT offering_id FROM offering_sessions WHERE id = m.session_id)
                         OR taught.programme_id = (SELECT programme_id FROM modules WHERE id = m.module_id)
                      ORDER BY taught.offering_id DESC LIMIT 1) t ON true
      WHERE m.deleted_at IS NULL
        AND v.uploaded_at >= :since
        AND (m.session_id IN (SELECT s.id FROM offering_sessions s WHERE s.offering_id IN (SELECT offering_id FROM taught))
             OR m.module_id IN (SELECT md.id FROM modules md WHERE md.programme_id IN (SELECT programme_id FROM taught)))
      ORDER BY v.uploaded_at DESC, m.id DESC
      LIMIT :limit`,
    { trainerId, since, limit },
  );
  return result.rows;
}
