import { DataSource } from 'typeorm';
import { validateEnv } from './src/config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run`,
 * `npm run migration:generate`). Needs DATABASE_URL: the embedded database
 * migrates itself at start-up.
 */
const config = validateEnv();
if (!config.databaseUrl) {
  throw new Error('Set DATABASE_URL to use the TypeORM CLI; the embedded database migrates at start-up.');
}

export default new DataSource(
  dataSourceOptions({ url: config.databaseUrl, poolSize: 2, schema: config.databaseSchema }),
);
