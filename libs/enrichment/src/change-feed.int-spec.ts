import { Client } from 'pg';
import { createTestSchema, eventually, type TestSchema } from '@ticketflow/testing';
import { TicketChangeFeed } from './change-feed';
import { TICKET_CHANGES_CHANNEL } from './projector';

describe('TicketChangeFeed against real Postgres', () => {
  let schema: TestSchema;
  let admin: Client;

  beforeAll(async () => {
    schema = await createTestSchema('feed');
    admin = new Client({ connectionString: schema.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin.end();
    await schema.drop();
  });

  it('keeps listening after its connection is killed (a database restart does not take the service down)', async () => {
    const heard: string[][] = [];
    const errors: string[] = [];
    const name = `feed-test-${schema.schema}`;
    const feed = new TicketChangeFeed(
      schema.url,
      (ids) => heard.push(ids),
      (e) => errors.push(e.message),
      name,
    );
    await feed.start();
    const notify = (ids: string[]) =>
      admin.query(`SELECT pg_notify($1, $2)`, [TICKET_CHANGES_CHANNEL, JSON.stringify(ids)]);
    await notify(['1']);
    await eventually(() => (heard.length === 1 ? true : undefined));

    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      name,
    ]);
    await eventually(() => (errors.length > 0 ? true : undefined));
    await eventually(() => (feed.listening() ? true : undefined));
    await eventually(async () => {
      await notify(['2']);
      return heard.some((ids) => ids[0] === '2') ? true : undefined;
    });
    await feed.stop();
    expect(feed.listening()).toBe(false);
  });
});
