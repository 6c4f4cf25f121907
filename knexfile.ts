// For the knex CLI; the app itself uses src/db (which also starts the embedded database).
import { loadConfig } from './src/config';
import { migrationConfig, seedConfig } from './src/db/database';

const config = loadConfig();
const port = config.embeddedPostgres.port;

export default {
  client: 'pg',
  connection: config.databaseUrl ?? `postgres://postgres:postgres@127.0.0.1:${port}/kokoma`,
  migrations: migrationConfig,
  seeds: seedConfig,
};
