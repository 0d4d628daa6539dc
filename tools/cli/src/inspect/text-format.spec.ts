import { formatRetention, table } from './text-format';

describe(formatRetention.name, () => {
  it('shows retention in the largest whole unit, forever for -1', () => {
    expect(formatRetention(30 * 86_400_000)).toBe('30d');
    expect(formatRetention(7_200_000)).toBe('2h');
    expect(formatRetention(90_000)).toBe('90s');
    expect(formatRetention(1500)).toBe('1500ms');
    expect(formatRetention(-1)).toBe('forever');
    expect(formatRetention(null)).toBe('unknown');
  });
});

describe(table.name, () => {
  it('aligns columns and leaves no trailing spaces', () => {
    expect(table(['a', 'bb'], [['xxx', 1], ['y', 22]], '  ')).toBe('  a    bb\n  xxx  1\n  y    22');
  });
});
