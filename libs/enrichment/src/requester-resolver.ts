import type { DataSource } from 'typeorm';
import type { ZendeskClient } from '@ticketflow/zendesk';
import type { EnrichmentProjector } from './projector';
import { unresolvedAmong, unresolvedRequesters } from './store';

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
    const ids = candidates.filter((id) => !this.missing.has(id)).slice(0, 100);
    if (ids.length === 0) return null;
    // Zendesk users of phone, messaging or social channels have `email: null`: they match no company user.
    const users = (await this.zendesk.showManyUsers(ids)).filter(
      (u) => typeof (u.email as unknown) === 'string' && u.email !== '',
    );
    const found = new Set(users.map((u) => String(u.id)));
    for (const id of ids) if (!found.has(id)) this.missing.add(id);
    await this.projector.addRequesters(users.map((u) => ({ requesterId: String(u.id), email: u.email })));
    return users.length;
  }
}
