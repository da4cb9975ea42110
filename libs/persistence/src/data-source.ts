import 'reflect-metadata';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  /** Postgres schema holding this service's tables (search_path); tests use one per file. */
  schema?: string;
  entities: MixedList<string | (new () => unknown) | EntitySchema>;
  migrations: MixedList<string | (new () => unknown)>;
  poolSize?: number;
}

/** TypeORM options shared by every service: migrations only, never synchronize. */
export function dataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  const schema = options.schema ?? 'public';
  return {
    type: 'postgres',
    url: options.url,
    schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Not 'error' or 'query': TypeORM would log query parameters, and those hold emails.
    logging: ['warn', 'migration'],
    // Our statements read a few rows of large tables by key. Postgres's default page costs assume an uncached
    // spinning disk and pick sequential scans that grow with the table (measured: 870-row batches 3x slower at
    // 30,000 tickets); 1.1 is the usual setting for SSDs and a cached working set. JIT compilation pays off for
    // long analytical scans, not for these: the open-set query's over-estimated cost made Postgres spend 312 ms
    // compiling it for a 2 ms execution.
    extra: {
      max: options.poolSize ?? 10,
      options: `-c search_path="${schema}" -c random_page_cost=1.1 -c jit=off`,
    },
  };
}

/** Connects and applies pending migrations; the schema is created when missing. */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(options));
  await dataSource.initialize();
  if (options.schema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
