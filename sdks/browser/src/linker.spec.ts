import { LINKER_PARAM, LINKER_TTL_SECONDS, linkedUrl, linkerValue, readLinker, takeLinker } from './linker';

const NOW = 1_800_000_000_000;
const BROWSER = 'acme|Mozilla/5.0 (X11; Linux x86_64) Chrome/140|en-GB';
const IDS = { visitorId: '0b6f3c1e-5d1a-4f7e-9b0a-2c3d4e5f6a7b', sessionId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' };

describe('cross-domain linker', () => {
  it('carries the visitor and session to a page that reads it in the same browser within the time limit', () => {
    const value = linkerValue(IDS, NOW, BROWSER);
    expect(readLinker(value, NOW + 5_000, BROWSER)).toEqual(IDS);
    expect(readLinker(value, NOW + LINKER_TTL_SECONDS * 1000, BROWSER)).toEqual(IDS);
  });

  it('refuses a link that is too old, made in another browser or for another customer, or altered', () => {
    const value = linkerValue(IDS, NOW, BROWSER);
    expect(readLinker(value, NOW + (LINKER_TTL_SECONDS + 1) * 1000, BROWSER)).toBeUndefined();
    expect(readLinker(value, NOW, BROWSER.replace('Chrome/140', 'Firefox/140'))).toBeUndefined();
    expect(readLinker(value, NOW, BROWSER.replace('acme', 'other'))).toBeUndefined();
    const otherVisitor = value.replace(IDS.visitorId, '1b6f3c1e-5d1a-4f7e-9b0a-2c3d4e5f6a7b');
    expect(readLinker(otherVisitor, NOW, BROWSER)).toBeUndefined();
    expect(readLinker('garbage', NOW, BROWSER)).toBeUndefined();
    expect(readLinker(value.replace(/^1\*/, '2*'), NOW, BROWSER)).toBeUndefined();
  });

  it('refuses ids that are not plain identifiers, whatever the check value', () => {
    expect(readLinker(linkerValue({ visitorId: '<script>', sessionId: 's' }, NOW, BROWSER), NOW, BROWSER)).toBeUndefined();
  });

  it('decorates links to the other linked domains and their subdomains only', () => {
    const domains = ['book.example', 'shop.example'];
    const link = (url: string) => linkedUrl(url, 'shop.example', domains, () => 'v');
    expect(link('https://book.example/slots')).toBe('https://book.example/slots?_cpl=v');
    expect(link('https://EU.book.example/slots')).toBe('https://eu.book.example/slots?_cpl=v');
    expect(link('https://shop.example/cart')).toBeUndefined();
    expect(link('https://notbook.example/')).toBeUndefined();
    expect(link('mailto:hello@book.example')).toBeUndefined();
    expect(link('not a url')).toBeUndefined();
  });

  it('adds and removes the parameter without touching the rest of the address as written', () => {
    const linked = linkedUrl('https://book.example/slots?q=a%20b&x=1#top', 'shop.example', ['book.example'], () => linkerValue(IDS, NOW, BROWSER));
    expect(linked).toMatch(new RegExp(`^https://book\\.example/slots\\?q=a%20b&x=1&${LINKER_PARAM}=[^&#]+#top$`));
    const taken = takeLinker(linked!);
    expect(taken?.rest).toBe('https://book.example/slots?q=a%20b&x=1#top');
    expect(readLinker(taken!.value, NOW, BROWSER)).toEqual(IDS);
    // Linked again (a second hop): one parameter, the newest.
    expect(linkedUrl(linked!, 'shop.example', ['book.example'], () => 'v2')).toBe('https://book.example/slots?q=a%20b&x=1&_cpl=v2#top');
    expect(takeLinker('https://book.example/?_cpl=x')?.rest).toBe('https://book.example/');
    expect(takeLinker('https://book.example/?_cpl=x&a=1#h')?.rest).toBe('https://book.example/?a=1#h');
    expect(takeLinker('https://book.example/?a=1')).toBeUndefined();
  });
});
