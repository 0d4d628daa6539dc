export interface GroupCommitLimits {
  /** Commits in flight at once. */
  transactions: number;
  /** The most weight (records) one commit takes, unless a single job alone weighs more. */
  maxWeight: number;
}

interface Waiting<Job, Result> {
  job: Job;
  weight: number;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: jobs handed in while `transactions` commits are in flight wait, and the next commit
 * to start takes all of them (up to `maxWeight`, in the order they came). An idle committer starts at
 * once, so a lone job never waits for company; under load, jobs share a commit's fixed cost (its
 * planning and WAL flush) instead of queueing for one each. `commit` answers one result per job, in
 * their order; if it throws, every job of that commit gets the error.
 */
export class GroupCommit<Job, Result> {
  private readonly waiting: Waiting<Job, Result>[] = [];
  private inFlight = 0;

  constructor(
    private readonly commit: (jobs: Job[]) => Promise<Result[]>,
    private readonly limits: GroupCommitLimits,
  ) {}

  submit(job: Job, weight: number): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ job, weight, resolve, reject });
      this.startWhatFits();
    });
  }

  private startWhatFits(): void {
    while (this.inFlight < this.limits.transactions && this.waiting.length > 0) {
      const taken = this.takeNext();
      this.inFlight += 1;
      // run() settles every job itself and never rejects.
      void this.run(taken).finally(() => {
        this.inFlight -= 1;
        this.startWhatFits();
      });
    }
  }

  private takeNext(): Waiting<Job, Result>[] {
    let weight = 0;
    let count = 0;
    while (count < this.waiting.length && (count === 0 || weight + this.waiting[count].weight <= this.limits.maxWeight)) {
      weight += this.waiting[count].weight;
      count += 1;
    }
    return this.waiting.splice(0, count);
  }

  private async run(taken: Waiting<Job, Result>[]): Promise<void> {
    try {
      const results = await this.commit(taken.map((entry) => entry.job));
      taken.forEach((entry, index) => entry.resolve(results[index] as Result));
    } catch (error) {
      for (const entry of taken) entry.reject(error);
    }
  }
}
