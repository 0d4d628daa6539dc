import { GroupCommit } from './group-commit';

/** A commit the test finishes by hand, recording which jobs each commit took. */
function controlledCommits() {
  const commits: { jobs: string[]; finish: (error?: Error) => void }[] = [];
  const commit = (jobs: string[]): Promise<string[]> =>
    new Promise((resolve, reject) => {
      commits.push({ jobs, finish: (error) => (error ? reject(error) : resolve(jobs.map((job) => `${job} done`))) });
    });
  return { commits, commit };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('starts a lone job at once, and gives the jobs that came meanwhile one commit together', async () => {
    const { commits, commit } = controlledCommits();
    const group = new GroupCommit(commit, { transactions: 1, maxWeight: 100 });
    const first = group.submit('a', 10);
    const later = [group.submit('b', 10), group.submit('c', 10), group.submit('d', 10)];
    expect(commits.map((c) => c.jobs)).toEqual([['a']]);
    commits[0].finish();
    await expect(first).resolves.toBe('a done');
    await settle();
    expect(commits.map((c) => c.jobs)).toEqual([['a'], ['b', 'c', 'd']]);
    commits[1].finish();
    await expect(Promise.all(later)).resolves.toEqual(['b done', 'c done', 'd done']);
  });

  it('keeps as many commits in flight as allowed, and no more', async () => {
    const { commits, commit } = controlledCommits();
    const group = new GroupCommit(commit, { transactions: 2, maxWeight: 100 });
    const results = ['a', 'b', 'c', 'd'].map((job) => group.submit(job, 1));
    expect(commits.map((c) => c.jobs)).toEqual([['a'], ['b']]);
    commits[1].finish();
    await settle();
    expect(commits.map((c) => c.jobs)).toEqual([['a'], ['b'], ['c', 'd']]);
    commits[0].finish();
    commits[2].finish();
    await expect(Promise.all(results)).resolves.toEqual(['a done', 'b done', 'c done', 'd done']);
  });

  it('takes waiting jobs in order up to the weight limit, and a heavier job alone', async () => {
    const { commits, commit } = controlledCommits();
    const group = new GroupCommit(commit, { transactions: 1, maxWeight: 10 });
    void group.submit('first', 1);
    const results = [group.submit('a', 4), group.submit('b', 5), group.submit('c', 2), group.submit('huge', 50), group.submit('d', 1)];
    for (let round = 0; round < 4; round++) {
      commits[round].finish();
      await settle();
    }
    commits[4].finish();
    await Promise.all(results);
    expect(commits.map((c) => c.jobs)).toEqual([['first'], ['a', 'b'], ['c'], ['huge'], ['d']]);
  });

  it('hands a failed commit\'s error to each of its jobs, and goes on with the next', async () => {
    const { commits, commit } = controlledCommits();
    const group = new GroupCommit(commit, { transactions: 1, maxWeight: 100 });
    const first = group.submit('a', 1);
    const together = [group.submit('b', 1), group.submit('c', 1)];
    commits[0].finish();
    await first;
    await settle();
    commits[1].finish(new Error('database gone'));
    for (const result of together) await expect(result).rejects.toThrow('database gone');
    const after = group.submit('e', 1);
    commits[2].finish();
    await expect(after).resolves.toBe('e done');
  });
});
