import { stringify } from 'yaml';

/** The variable the workflows' webhooks name for their signing secret. */
export const WEBHOOK_SECRET_ENV = 'BENCH_WEBHOOK_SECRET';

type Filters = Record<string, unknown>;

interface WorkflowDocument {
  id: string;
  trigger: 'site_page_view' | 'site_custom_event';
  filters: Filters;
  webhook?: { url: string; secret_env: string };
}

/**
 * The one workflow of the small case, and the first of the large one: page views of the service
 * pages from paid campaigns (about 4% of the corpus's events), with a webhook.
 */
function primary(webhookUrl: string): WorkflowDocument {
  return {
    id: 'services_paid_traffic',
    trigger: 'site_page_view',
    filters: { url_path: { prefix: '/services/' }, properties: { utm_medium: 'cpc' } },
    webhook: { url: `${webhookUrl}/hooks/services`, secret_env: WEBHOOK_SECRET_ENV },
  };
}

/** Others that the corpus (event-corpus.ts: its pages, sources, campaigns, locations) does match now and then. */
function matching(webhookUrl: string): WorkflowDocument[] {
  const hook = (name: string) => ({ url: `${webhookUrl}/hooks/${name}`, secret_env: WEBHOOK_SECRET_ENV });
  return [
    { id: 'booking_from_google', trigger: 'site_page_view', filters: { url_path: '/book', properties: { utm_source: 'google' } }, webhook: hook('booking') },
    { id: 'winter_3_landing', trigger: 'site_page_view', filters: { properties: { utm_campaign: 'winter_3' } } },
    { id: 'blog_readers', trigger: 'site_page_view', filters: { url_path: { glob: '/blog/*' }, properties: { utm_source: { one_of: ['newsletter', 'instagram'] } } }, webhook: hook('blog') },
    { id: 'gift_cards_campaigns', trigger: 'site_page_view', filters: { url_path: '/gift-cards', properties: { utm_source: { exists: true } } } },
    { id: 'cart_location_2', trigger: 'site_custom_event', filters: { properties: { action: 'add_to_cart', location_id: 'location_2' } }, webhook: hook('cart') },
    { id: 'contact_partner', trigger: 'site_page_view', filters: { url_path: { exact: '/contact' }, properties: { utm_source: 'partner' } }, webhook: hook('contact') },
    { id: 'facials_facebook', trigger: 'site_page_view', filters: { url_path: '/services/facials', properties: { utm_source: 'facebook' } } },
    { id: 'signed_in_on_about', trigger: 'site_page_view', filters: { url_path: '/about', properties: { user_id: { exists: true } } } },
    { id: 'sku_7_interest', trigger: 'site_custom_event', filters: { properties: { product_id: 'sku_7' } }, webhook: hook('sku') },
  ];
}

/**
 * Workflows the corpus never fires, in the shapes customers write: unknown landing pages, campaigns
 * of other seasons on every page (these reach the property check), globs, named custom events.
 */
function neverMatching(index: number, webhookUrl: string): WorkflowDocument {
  const webhook = { url: `${webhookUrl}/hooks/idle-${index % 10}`, secret_env: WEBHOOK_SECRET_ENV };
  const id = `rule_${index}`;
  switch (index % 6) {
    case 0:
      return { id, trigger: 'site_page_view', filters: { url_path: `/landing/offer-${index}`, properties: { utm_campaign: `spring_${index}` } }, webhook };
    case 1:
      return { id, trigger: 'site_page_view', filters: { url_path: { prefix: '/' }, properties: { utm_campaign: `summer_${index}` } }, webhook };
    case 2:
      return { id, trigger: 'site_page_view', filters: { url_path: { glob: `/promo/*/${index}` } }, webhook };
    case 3:
      return { id, trigger: 'site_custom_event', filters: { event_name: [`checkout_step_${index}`, `checkout_done_${index}`] }, webhook };
    case 4:
      return { id, trigger: 'site_custom_event', filters: { properties: { product_id: `sku_${1000 + index}` } }, webhook };
    default:
      return { id, trigger: 'site_page_view', filters: { properties: { utm_source: { one_of: [`tiktok_${index}`, `bing_${index}`] } } } };
  }
}

/** automations.yaml with `count` workflows: the primary one, then the matching ones, then never-matching ones. */
export function automationsYaml(count: number, webhookUrl: string): string {
  const workflows = [primary(webhookUrl), ...matching(webhookUrl)].slice(0, count);
  for (let index = workflows.length; index < count; index++) workflows.push(neverMatching(index, webhookUrl));
  return stringify({ workflows });
}
