import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDatabase } from '../../src/db/database';
import { createLogger } from '../../src/http/logger';

/**
 * The app alone in its own process, on an existing database (DATABASE_URL): for
 * benchmarks that measure the server's memory without the load generator's.
 * Prints "listening" once it accepts connections.
 */
const config = loadConfig(process.env);
const databaseUrl = config.databaseUrl!;
const db = createDatabase(databaseUrl, { min: 0, max: 10 });
const { app } = createApp({ config, db, databaseUrl, logger: createLogger(config), mailer: { send: async () => undefined, close: () => undefined } });
app.listen(config.port, '127.0.0.1', () => console.log('listening'));
