import { between, shuffle, streamOf, type Rng } from './random';

export interface WorkloadOptions {
  seed: number;
  users: number;
  rounds: number;
  /** Requesters without email (phone, messaging, social) that get tickets in one round; 0 = none. */
  noEmailRequesters: number;
  /** Share of users whose first ticket comes only from that round on (they need requester resolution then). */
  lateShare: number;
}

export interface SuiteUser {
  index: number;
  userId: string;
  /** As the company's user service has it (some typed with capitals: matching is case-insensitive). */
  email: string;
  /** As Zendesk has it. */
  requesterEmail: string;
  firstRound: number;
}

/** One write of a round: user indexes, ticket ids; requesters are the caller's business. */
export type PlannedAction =
  | { kind: 'create'; user: number }
  | { kind: 'solve'; user: number; ticketId: number }
  | { kind: 'create-without-email'; requester: number };

interface Course {
  direction: 'up' | 'down';
  /** Turn around once the count reaches this (up: at or above, down: at or below). */
  target: number;
}

const upTarget = (rng: Rng) => between(rng, 4, 6);
const downTarget = (rng: Rng) => between(rng, 0, 2);

/**
 * The seeded workload: every active user gets 1-3 creations or 1-3 solves per round (never both, so the count
 * moves one way within a round), steering between 0-2 and 4-6 open tickets so that users cross the threshold
 * (3) about every second round.
 */
export class WorkloadPlanner {
  readonly users: SuiteUser[];
  /** The round in which requesters without email get tickets and late users start (0 = never). */
  readonly noEmailRound: number;
  private readonly rng: Rng;
  private readonly courses: Course[];

  constructor(readonly options: WorkloadOptions) {
    this.rng = streamOf(options.seed, 'workload');
    this.noEmailRound = options.rounds >= 2 ? Math.max(2, Math.floor((options.rounds * 2) / 3)) : 0;
    const late = this.noEmailRound ? Math.round(options.users * options.lateShare) : 0;
    this.users = Array.from({ length: options.users }, (_, index) => {
      const requesterEmail = `suite${options.seed}.user${index}@example.com`;
      return {
        index,
        userId: `suite-user-${index}`,
        email: index % 4 === 1 ? requesterEmail.toUpperCase() : requesterEmail,
        requesterEmail,
        firstRound: index >= options.users - late ? this.noEmailRound : 1,
      };
    });
    this.courses = this.users.map(() => ({ direction: 'up', target: upTarget(this.rng) }));
  }

  /** The round's writes in a seeded order, given each user's open tickets now (ascending ids). */
  plan(round: number, openTickets: (user: number) => readonly number[]): PlannedAction[] {
    const actions: PlannedAction[] = [];
    for (const user of this.users) {
      if (round < user.firstRound) continue;
      const open = openTickets(user.index);
      const course = this.courses[user.index]!;
      if (course.direction === 'down' && open.length === 0) {
        course.direction = 'up';
        course.target = upTarget(this.rng);
      }
      const k = between(this.rng, 1, 3);
      if (course.direction === 'up') {
        for (let i = 0; i < k; i++) actions.push({ kind: 'create', user: user.index });
        if (open.length + k >= course.target) {
          course.direction = 'down';
          course.target = downTarget(this.rng);
        }
      } else {
        const solved = shuffle(this.rng, open).slice(0, Math.min(k, open.length));
        for (const ticketId of solved) actions.push({ kind: 'solve', user: user.index, ticketId });
        if (open.length - solved.length <= course.target) {
          course.direction = 'up';
          course.target = upTarget(this.rng);
        }
      }
    }
    if (round === this.noEmailRound)
      for (let requester = 0; requester < this.options.noEmailRequesters; requester++)
        for (let i = between(this.rng, 1, 2); i > 0; i--)
          actions.push({ kind: 'create-without-email', requester });
    return shuffle(this.rng, actions);
  }
}
