import type { ExporterAccessClient, ExporterAccessOutcome } from './exporter-access.client';
import type { SubjectAccessRepository, VaultHoldings } from './subject-access.repository';
import { SubjectAccessService } from './subject-access.service';

function setup(exported: ExporterAccessOutcome) {
  const holdings: VaultHoldings = {
    linked: { visitors: ['v-1', 'v-2'], users: ['u-1'], sessions: ['s-1'], eventIds: ['e-1'] },
    events: [{ event_id: 'e-1', received_at: '2026-12-07T10:00:00.000Z', payload: { event_id: 'e-1' } }],
    sessions: [],
    visitors: [],
    users: [{ id: 'u-1', visitor_ids: ['v-1', 'v-2'] }],
  };
  const vault = { holdings: jest.fn(async () => holdings) };
  const exporter = { exported: jest.fn(async () => exported) };
  const sut = new SubjectAccessService(vault as unknown as SubjectAccessRepository, exporter as unknown as ExporterAccessClient);
  return { sut, mocks: { vault, exporter } };
}

describe(SubjectAccessService.name, () => {
  describe('access', () => {
    it('asks the exporter for every linked id and merges its records with the vault part', async () => {
      const records = [{ bucket: 'b', key: 'k', record: { event_id: 'e-1' } }];
      const { sut, mocks } = setup({ ok: true, holdings: { exported: true, bucket: 'b', objects_scanned: 3, records } });

      const report = await sut.access({ customerId: 'shop', visitorId: 'v-1' });

      expect(mocks.exporter.exported).toHaveBeenCalledWith('shop', ['v-1', 'v-2'], ['u-1']);
      expect(report).toMatchObject({ complete: true, missing: [], linked: { visitor_ids: ['v-1', 'v-2'], user_ids: ['u-1'], session_ids: ['s-1'] }, exports: { records } });
      expect(report.vault.events).toHaveLength(1);
    });

    it('still asks the exporter for the requested id when the vault holds nothing of it', async () => {
      const { sut, mocks } = setup({ ok: true, holdings: { exported: true, bucket: 'b', objects_scanned: 0, records: [] } });
      mocks.vault.holdings.mockResolvedValueOnce({ linked: { visitors: [], users: [], sessions: [], eventIds: [] }, events: [], sessions: [], visitors: [], users: [] });

      await sut.access({ customerId: 'shop', userId: 'u-9' });

      expect(mocks.exporter.exported).toHaveBeenCalledWith('shop', [], ['u-9']);
    });

    it('answers with the vault part and names the missing exported part when the exporter cannot be asked', async () => {
      const { sut } = setup({ ok: false, reason: 'the exporter did not answer (fetch failed)' });

      const report = await sut.access({ customerId: 'shop', visitorId: 'v-1' });

      expect(report).toMatchObject({ complete: false, missing: [{ part: 'exports', reason: 'the exporter did not answer (fetch failed)' }], exports: null });
      expect(report.vault.events).toHaveLength(1);
    });
  });
});
