import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';
import type { EnrichmentProjector } from './projector';
import { unresolvedRequesters } from './store';

/**
 * Event webhooks name a ticket's requester by id only; this resolves ids to emails through the Zendesk Users API
 * (100 per call, within the client's rate budget) so tickets attach to their users.
 */
export class RequesterResolver {
  /** Ids Zendesk did not return (deleted users): not asked again by this process. */
  private readonly missing = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly projector: EnrichmentProjector,
  ) {}

  /** Resolves every unresolved requester; returns how many were resolved. */
  async resolvePending(): Promise<number> {
    let resolved = 0;
    for (;;) {
      const ids = (await unresolvedRequesters(this.db.manager, 100 + this.missing.size))
        .filter((id) => !this.missing.has(id))
        .slice(0, 100);
      if (ids.length === 0) return resolved;
      // Zendesk users of phone, messaging or social channels have `email: null`: they match no company user.
      const users = (await this.zendesk.showManyUsers(ids)).filter(
        (u) => typeof (u.email as unknown) === 'string' && u.email !== '',
      );
      const found = new Set(users.map((u) => String(u.id)));
      for (const id of ids) if (!found.has(id)) this.missing.add(id);
      await this.projector.addRequesters(users.map((u) => ({ requesterId: String(u.id), email: u.email })));
      resolved += users.length;
    }
  }
}
