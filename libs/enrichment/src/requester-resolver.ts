import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';
import type { EnrichmentProjector } from './projector';
import { unresolvedAmong, unresolvedRequesters } from './store';

/**
 * Event webhooks name a ticket's requester by id only; this resolves ids to emails through the Zendesk Users API
 * (100 per call, within the client's rate budget) so tickets attach to their users.
 */
export class RequesterResolver {
  /**
   * Ids Zendesk returned without an email or not at all (deleted, or phone-only users), with when to ask again: a
   * user may gain an email later, and their tickets must then reach their company user.
   */
  private readonly missing = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly zendesk: ZendeskClient,
    private readonly projector: EnrichmentProjector,
    private readonly options: { askAgainAfterMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private asked(id: string): boolean {
    const again = this.missing.get(id);
    if (again === undefined) return false;
    if (again > this.now()) return true;
    this.missing.delete(id);
    return false;
  }

  /** Resolves every unresolved requester; returns how many were resolved. */
  async resolvePending(): Promise<number> {
    let resolved = 0;
    for (;;) {
      const found = await this.resolve(await unresolvedRequesters(this.db.manager, 100 + this.missing.size));
      if (found === null) return resolved;
      resolved += found;
    }
  }

  /** Resolves those of these requesters (a batch's) that are unresolved; returns how many were resolved. */
  async resolveAmong(requesterIds: string[]): Promise<number> {
    const unresolved = await unresolvedAmong(this.db.manager, requesterIds);
    let resolved = 0;
    for (let i = 0; i < unresolved.length; i += 100)
      resolved += (await this.resolve(unresolved.slice(i, i + 100))) ?? 0;
    return resolved;
  }

  /** One Users API call for up to 100 of these ids; null when none is left to ask for. */
  private async resolve(candidates: string[]): Promise<number | null> {
    const ids = candidates.filter((id) => !this.asked(id)).slice(0, 100);
    if (ids.length === 0) return null;
    // Zendesk users of phone, messaging or social channels have `email: null`: they match no company user.
    const users = (await this.zendesk.showManyUsers(ids)).filter(
      (u) => typeof (u.email as unknown) === 'string' && u.email !== '',
    );
    const found = new Set(users.map((u) => String(u.id)));
    const again = this.now() + (this.options.askAgainAfterMs ?? 600_000);
    for (const id of ids) if (!found.has(id)) this.missing.set(id, again);
    await this.projector.addRequesters(users.map((u) => ({ requesterId: String(u.id), email: u.email })));
    return users.length;
  }
}
