/** An update of a read's data by a live message (useRead's `set`). */
export type Update<T> = (prev: T) => T;

/** What a read was started under (ReadResync.fetchStarted), handed back when it ends. */
export interface FetchTicket {
  generation: number;
  afterConfirmed: boolean;
}

/**
 * The most updates kept at once. Past it (a subscription the server never confirms, or a read that
 * takes minutes under a flood of messages) they are dropped and the data is read again instead.
 */
export const MAX_KEPT_UPDATES = 10_000;

/**
 * Keeps a read whole against the live messages that update it (use-read.ts's LiveResync, apart
 * from React). Live messages are relayed before they are stored, so a read can miss one the page
 * has already applied; and what happened before a subscription took effect comes in no message.
 * So updates are kept while a read is under way and from the moment a subscription is sent, and
 * what a read returns gets every update kept, in order, applied to it (an update must therefore
 * give the same result applied again to data that has it). Keeping stops once no read is under
 * way and the read started after the subscription was confirmed has ended, well or not.
 */
export class ReadResync<T> {
  #kept: Update<T>[] | null = null;
  /** Counts `subscribing` calls: a read started under an earlier subscription does not end it. */
  #generation = 0;
  #confirmed = false;
  /** From `subscribing` until the read started after its confirmation has ended. */
  #subscription = false;

  /** A subscription is being sent (again, after a reconnect): keep every update from now on. */
  subscribing(): void {
    this.#generation++;
    this.#confirmed = false;
    this.#subscription = true;
    this.#kept = [];
  }

  /** The server confirmed it: the caller reads again, and that read ends the keeping. */
  subscribed(): void {
    this.#confirmed = true;
  }

  /** A read starts: updates are kept until it ends. */
  fetchStarted(): FetchTicket {
    this.#kept ??= [];
    return { generation: this.#generation, afterConfirmed: this.#confirmed };
  }

  /**
   * An update was applied to the data shown: kept while keeping. False when that passed
   * MAX_KEPT_UPDATES: the kept ones are dropped, and the caller must read again.
   */
  applied(update: Update<T>): boolean {
    if (this.#kept === null) return true;
    this.#kept.push(update);
    if (this.#kept.length <= MAX_KEPT_UPDATES) return true;
    this.#kept = [];
    return false;
  }

  /**
   * A read ended (an aborted one never does): returns the updates to apply to what it returned, in
   * order (none when it failed), and stops keeping when nothing needs it any more.
   */
  fetchEnded(ticket: FetchTicket, ok: boolean): Update<T>[] {
    const replay = ok ? [...(this.#kept ?? [])] : [];
    if (ticket.afterConfirmed && ticket.generation === this.#generation) this.#subscription = false;
    if (!this.#subscription) this.#kept = null;
    return replay;
  }
}
