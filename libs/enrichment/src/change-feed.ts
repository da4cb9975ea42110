import { Client } from 'pg';
import { TICKET_CHANGES_CHANNEL } from './projector';

/**
 * Projected ticket changes as Postgres announces them (LISTEN), whichever instance projected them. The connection
 * is opened again after any error (a database restart must not take the service down); a change announced while
 * it was away is seen by streams at their next change or reconnect.
 */
export class TicketChangeFeed {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly onChange: (ticketIds: string[]) => void,
    private readonly onError: (error: Error) => void = () => undefined,
    /** Shown in pg_stat_activity, so operators (and tests) can tell this connection apart. */
    private readonly applicationName = 'ticketflow-change-feed',
  ) {}

  /** Resolves once listening; the first connection must succeed (startup), later ones are retried. */
  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: this.applicationName });
    client.on('notification', (message) => this.onChange(JSON.parse(message.payload ?? '[]') as string[]));
    client.on('error', (error) => this.reconnect(client, error));
    client.on('end', () => this.reconnect(client, new Error('LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${TICKET_CHANGES_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
  }

  private reconnect(client: Client, error: Error) {
    if (this.stopped || client !== this.client) return;
    this.client = null;
    this.onError(error);
    client.end().catch(() => undefined);
    const attempt = () => {
      this.retry = null;
      if (this.stopped) return;
      this.start().catch((failure: Error) => {
        this.onError(failure);
        this.retry = setTimeout(attempt, 1_000);
      });
    };
    this.retry = setTimeout(attempt, 500);
  }

  listening(): boolean {
    return this.client !== null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
