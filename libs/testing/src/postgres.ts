import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

export interface TestSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** A fresh schema on the test database, so each test file migrates and writes in isolation. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const url = process.env['DATABASE_URL'];
  if (!url)
    throw new Error('DATABASE_URL is not set: run the tests through jest (global setup starts Postgres)');
  const schema = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await withClient(url, (client) => client.query(`CREATE SCHEMA "${schema}"`));
  return {
    url,
    schema,
    drop: () =>
      withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then(
        () => undefined,
      ),
  };
}

async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
