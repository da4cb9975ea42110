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
    extra: { max: options.poolSize ?? 10, options: `-c search_path="${schema}"` },
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
