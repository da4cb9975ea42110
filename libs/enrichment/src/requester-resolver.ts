import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';
import type { EnrichmentProjector } from './projector';
import { deferRequesterLookups, dueRequesterLookups, reconcileRequesterLookups } from './store';

/**
 * Event webhooks name a ticket's requester by id only; this resolves ids to emails through the Zendesk Users API
 * (100 per call, within the client's rate budget) so tickets attach to their users. What is to be resolved is the
 * `requester_lookups` table, filled by the projection: a batch's consumer resolves its new lookups at once, a sweep
 * takes whatever is left (a failed call, a process that died, a user without an email yet), and a rare scan of every
 * ticket records what no batch did.
 */
export class RequesterResolver {
  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly projector: EnrichmentProjector,
    private readonly options: { askAgainAfterMs?: number; retryAfterMs?: number } = {},
  ) {}

  /**
   * Resolves every lookup due within `aheadMs` from now (0: due now); returns how many requesters were resolved.
   * Each requester is asked once per call, however soon it falls due again.
   */
  async resolvePending(aheadMs = 0): Promise<number> {
    const asked = new Set<string>();
    let resolved = 0;
    for (;;) {
      // Each round resolves or defers what it read, so the next reads others.
      const ids = (await dueRequesterLookups(this.db.manager, aheadMs, 100 + asked.size))
        .filter((id) => !asked.has(id))
        .slice(0, 100);
      if (ids.length === 0) return resolved;
      for (const id of ids) asked.add(id);
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

  /** Lookups no batch recorded, found by a scan of every ticket (see reconcileRequesterLookups); returns how many. */
  recordMissedLookups(): Promise<number> {
    return reconcileRequesterLookups(this.db.manager);
  }

  /** One Users API call for up to 100 ids; those Zendesk gives no email are asked for again later. */
  private async resolve(ids: string[]): Promise<number> {
    let users: Awaited<ReturnType<ZendeskClient['showManyUsers']>>;
    try {
      // Zendesk users of phone, messaging or social channels have `email: null`: they match no company user.
      users = (await this.zendesk.showManyUsers(ids)).filter(
        (u) => typeof (u.email as unknown) === 'string' && u.email !== '',
      );
    } catch (error) {
      // Asked again after a pause, so a call that keeps failing never holds back the lookups behind it.
      await deferRequesterLookups(this.db.manager, ids, this.options.retryAfterMs ?? 30_000).catch(
        () => undefined,
      );
      throw error;
    }
    const found = new Set(users.map((u) => String(u.id)));
    // A user may gain an email later (or was deleted): asked again, never given up on.
    await deferRequesterLookups(
      this.db.manager,
      ids.filter((id) => !found.has(id)),
      this.options.askAgainAfterMs ?? 600_000,
    );
    await this.projector.addRequesters(users.map((u) => ({ requesterId: String(u.id), email: u.email })));
    return users.length;
  }
}
