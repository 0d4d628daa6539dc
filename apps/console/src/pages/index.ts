import type { ComponentType } from 'preact';
import type { Session } from '../api';
import { AutomationsPage } from './automations';
import { KeysPage } from './keys';
import { LivePage } from './live';
import { AnalyticsPage } from './analytics';
import { CustomersPage } from './customers';
import { ExportsPage } from './exports';
import { OverviewPage } from './overview';
import { PrivacyPage } from './privacy';
import { RejectedPage } from './rejected';
import { ReplayPage } from './replay';

/** What every signed-in page is given: the session, and the customer an operator picked (a customer reads its own). */
export interface PageProps {
  session: Session;
  customerId?: string;
  /** Operators: makes a customer the one the other pages read (the Customers page's rows). */
  onPickCustomer?: (customerId: string) => void;
}

export interface ConsolePage {
  /** The address under /console/ (e.g. `overview` for /console/overview); the first page is the landing page. */
  path: string;
  /** The link text, the document title's first part. */
  title: string;
  component: ComponentType<PageProps>;
  /** Shown only to operators; a customer neither sees the link nor opens the page by its address. */
  operatorOnly?: boolean;
  /** Reads and writes across customers: shown without picking a customer first. */
  allCustomers?: boolean;
}

/** The console's pages in the order of the navigation. Each page is one module under pages/. */
export const PAGES: readonly ConsolePage[] = [
  { path: 'overview', title: 'Overview', component: OverviewPage },
  { path: 'live', title: 'Live events', component: LivePage },
  { path: 'analytics', title: 'Analytics', component: AnalyticsPage },
  { path: 'rejected', title: 'Rejected events', component: RejectedPage },
  { path: 'automations', title: 'Automations', component: AutomationsPage },
  { path: 'exports', title: 'Exports', component: ExportsPage },
  { path: 'keys', title: 'Keys', component: KeysPage },
  { path: 'privacy', title: 'Privacy', component: PrivacyPage },
  { path: 'customers', title: 'Customers', component: CustomersPage, operatorOnly: true, allCustomers: true },
  { path: 'replay', title: 'Replay', component: ReplayPage, operatorOnly: true, allCustomers: true },
];
