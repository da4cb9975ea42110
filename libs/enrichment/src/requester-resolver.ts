import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';
import type { EnrichmentProjector } from './projector';
import { deferRequesterLookups, dueRequesterLookups } from './store';

/**
 * Event webhooks name a ticket's requester by id only; this resolves ids to emails through the Zendesk Users API
 * (100 per call, within the client's rate budget) so tickets attach to their users. What is to be resolved is the
 * `requester_lookups` table, filled by the projection: a batch's consumer resolves its new lookups at once, and a
 * sweep takes whatever is left (a failed call, a process that died, a user without an email yet).
 */
export class RequesterResolver {
  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly projector: EnrichmentProjector,
    private readonly options: { askAgainAfterMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Resolves every lookup due by `dueBy` (now by default); returns how many requesters were resolved. */
  async resolvePending(dueBy = this.now()): Promise<number> {
    let resolved = 0;
    for (;;) {
      // Each round resolves or defers what it read, so the next reads others.
      const ids = await dueRequesterLookups(this.db.manager, new Date(dueBy), 100);
      if (ids.length === 0) return resolved;
      resolved += await this.resolve(ids);
    }
  }

  /** Resolves these requesters (a batch's new lookups); returns how many were resolved. */
  async resolveAmong(requesterIds: string[]): Promise<number> {
    let resolved = 0;
    for (let i = 0; i < requesterIds.length; i += 100)
      resolved += await this.resolve(requesterIds.slice(i, i + 100));
    return resolved;
  }

  /** One Users API call for up to 100 ids; those Zendesk gives no email are asked for again later. */
  private async resolve(ids: string[]): Promise<number> {
    // Zendesk users of phone, messaging or social channels have `email: null`: they match no company user.
    const users = (await this.zendesk.showManyUsers(ids)).filter(
      (u) => typeof (u.email as unknown) === 'string' && u.email !== '',
    );
    const found = new Set(users.map((u) => String(u.id)));
    // A user may gain an email later (or was deleted): asked again, never given up on.
    await deferRequesterLookups(
      this.db.manager,
      ids.filter((id) => !found.has(id)),
      new Date(this.now() + (this.options.askAgainAfterMs ?? 600_000)),
    );
    await this.projector.addRequesters(users.map((u) => ({ requesterId: String(u.id), email: u.email })));
    return users.length;
  }
}
