import { classifyLink, newMilestones, scrollPercent } from './behaviour';

describe(scrollPercent.name, () => {
  it('measures the bottom of the viewport against the page height', () => {
    expect(scrollPercent(0, 500, 2000)).toBe(25);
    expect(scrollPercent(1500, 500, 2000)).toBe(100);
    expect(scrollPercent(0, 800, 600)).toBe(100);
  });
});

describe(newMilestones.name, () => {
  it('reports each of 25, 50, 75 and 100 once per page, skipped ones included', () => {
    const reported = new Set<number>();
    expect(newMilestones(30, reported)).toEqual([25]);
    expect(newMilestones(28, reported)).toEqual([]);
    expect(newMilestones(80, reported)).toEqual([50, 75]);
    expect(newMilestones(100, reported)).toEqual([100]);
    expect(newMilestones(100, reported)).toEqual([]);
  });
});

describe(classifyLink.name, () => {
  const page = 'https://shop.example/products';

  it('calls a link to another host outbound', () => {
    expect(classifyLink('https://partner.example/x', page, false)).toEqual({ kind: 'outbound', host: 'partner.example' });
  });

  it('calls a file link a download, on any host, or any link with a download attribute', () => {
    expect(classifyLink('/files/price-list.PDF?v=2', page, false)).toEqual({ kind: 'download', extension: 'pdf' });
    expect(classifyLink('https://cdn.example/app.dmg', page, false)).toEqual({ kind: 'download', extension: 'dmg' });
    expect(classifyLink('/export', page, true)).toEqual({ kind: 'download', extension: '' });
  });

  it('ignores links within the site and other schemes', () => {
    expect(classifyLink('/cart', page, false)).toBeUndefined();
    expect(classifyLink('mailto:shop@shop.example', page, false)).toBeUndefined();
    expect(classifyLink('javascript:void(0)', page, false)).toBeUndefined();
  });
});
