import { Client } from 'pg';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDatabase } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';

/**
 * Like serve.ts (the app alone in a production-mode process on DATABASE_URL), but counting
 * every SQL statement the process sends: Knex and the session store's pg Pool both end in
 * pg's Client#query, so one wrapper there sees them all (BEGIN/COMMIT included). The count
 * goes to the parent over the IPC channel, never over HTTP, so nothing is added to the app.
 */
let statements = 0;
const originalQuery = Client.prototype.query;
Client.prototype.query = function countedQuery(this: Client, ...args: unknown[]) {
  statements += 1;
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof Client.prototype.query;

const config = loadConfig(process.env);
const databaseUrl = config.databaseUrl!;
const db = createDatabase(databaseUrl, { min: 0, max: 10 });
const { app } = createApp({ config, db, databaseUrl, logger: createLogger(config), mailer: { send: async () => undefined, close: () => undefined } });
process.on('message', (message) => {
  if (message === 'statements') process.send!({ statements });
});
// Without this the IPC channel would keep the process alive after the parent is gone.
process.on('disconnect', () => process.exit(0));
app.listen(config.port, '127.0.0.1', () => console.log('listening'));
