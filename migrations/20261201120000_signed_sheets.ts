import type { Knex } from 'knex';

/**
 * Signed sign-in sheets (unterschriebene Teilnehmendenlisten): the scan of the paper list,
 * uploaded back to its session as PDF, PNG or JPEG.
 *
 * The attendance migration created `signed_sheets` for files in the material storage
 * (`storage_key`), but nothing ever wrote to it. The scans now live in the row itself:
 * row and bytes are written in one transaction (no orphaned files) and app instances keep
 * no state of their own. Append-only: a new upload adds a row and the newest one is the
 * session's sheet; earlier ones stay, because a funder's proof must not be overwritten.
 */
const MAX_BYTES = 20 * 1024 * 1024;

async function rowCount(knex: Knex): Promise<number> {
  const row = (await knex('signed_sheets').count({ count: '*' }).first()) as { count: string | number } | undefined;
  return Number(row?.count ?? 0);
}

export async function up(knex: Knex): Promise<void> {
  // Rows pointing at stored files cannot be turned into bytes here; stop rather than lose them.
  if ((await rowCount(knex)) > 0) throw new Error('signed_sheets has rows with storage keys: move their files into the table by hand first');
  await knex.schema.alterTable('signed_sheets', (table) => {
    table.dropUnique(['storage_key']);
    table.dropColumn('storage_key');
    table.binary('bytes').notNullable();
    table.foreign('uploaded_by').references('users.id').onDelete('RESTRICT');
  });
  await knex.raw(`ALTER TABLE signed_sheets
    ALTER COLUMN size_bytes TYPE integer,
    ADD CONSTRAINT signed_sheets_type_check CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    ADD CONSTRAINT signed_sheets_name_check CHECK (char_length(original_name) BETWEEN 1 AND 255),
    ADD CONSTRAINT signed_sheets_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT signed_sheets_bytes_check CHECK (octet_length(bytes) BETWEEN 1 AND ${MAX_BYTES}),
    ADD CONSTRAINT signed_sheets_size_check CHECK (size_bytes = octet_length(bytes))`);
}

export async function down(knex: Knex): Promise<void> {
  // Going back would drop the scans themselves (a funder's proof): only an empty table goes back.
  if ((await rowCount(knex)) > 0) throw new Error('signed_sheets holds uploaded scans: rolling back would delete them');
  await knex.raw(`ALTER TABLE signed_sheets
    DROP CONSTRAINT signed_sheets_size_check,
    DROP CONSTRAINT signed_sheets_bytes_check,
    DROP CONSTRAINT signed_sheets_sha256_check,
    DROP CONSTRAINT signed_sheets_name_check,
    DROP CONSTRAINT signed_sheets_type_check,
    ALTER COLUMN size_bytes TYPE bigint`);
  await knex.schema.alterTable('signed_sheets', (table) => {
    table.dropForeign(['uploaded_by']);
    table.dropColumn('bytes');
    table.text('storage_key').notNullable().unique();
  });
}
