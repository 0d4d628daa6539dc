/**
 * A fault drill's books: what was sent, acknowledged, loaded, exported, fired and duplicated.
 * Printed whether the drill passes or fails, so a failure says what was lost where.
 */
export type Books = Record<string, number | string>;

export function printBooks(drill: string, books: Books): void {
  const width = Math.max(...Object.keys(books).map((key) => key.length));
  const lines = Object.entries(books).map(([key, value]) => `  ${key.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString('en-US') : value}`);
  process.stdout.write(`\nbooks of drill "${drill}":\n${lines.join('\n')}\n`);
}

/** Runs a drill's steps; if one fails, prints the books so far with where it stopped, and rethrows. */
export async function steps(drill: string, booksSoFar: () => Books, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    printBooks(drill, { ...booksSoFar(), 'stopped by': (error as Error).message.slice(0, 400) });
    throw error;
  }
}
