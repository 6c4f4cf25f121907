import { loadConfig } from '../config';
import { createDatabase, migrateToLatest } from './database';
import { startEmbeddedPostgres } from './embedded';

/** npm run db:migrate | db:rollback | db:seed — on DATABASE_URL, or the embedded database. */
async function main(): Promise<void> {
  const command = process.argv[2];
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.embeddedPostgres.dataDir, port: config.embeddedPostgres.port, database: 'kokoma' });
  const db = createDatabase(config.databaseUrl ?? embedded!.url);
  try {
    if (command === 'migrate') {
      await migrateToLatest(db);
      console.log('Migrations are up to date.');
    } else if (command === 'rollback') {
      const all = process.argv.includes('--all');
      const [batch, files] = (await db.migrate.rollback(undefined, all)) as [number, string[]];
      console.log(files.length === 0 ? 'Nothing to roll back.' : `Rolled back batch ${batch}: ${files.join(', ')}`);
    } else if (command === 'seed') {
      const [files] = (await db.seed.run()) as [string[]];
      console.log(`Seeded: ${files.join(', ')}`);
    } else {
      console.error('usage: tsx src/db/cli.ts migrate|rollback [--all]|seed');
      process.exitCode = 2;
    }
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
