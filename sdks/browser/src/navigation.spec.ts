import { pageKey } from './navigation';

describe(pageKey.name, () => {
  it('leaves in-page anchors out, so they are no new view', () => {
    expect(pageKey('https://a.example/p?q=1#top')).toBe('https://a.example/p?q=1');
  });

  it('keeps a hash router route, so each route is a view', () => {
    expect(pageKey('https://a.example/#/orders')).toBe('https://a.example/#/orders');
    expect(pageKey('https://a.example/#/orders')).not.toBe(pageKey('https://a.example/#/cart'));
  });
});
