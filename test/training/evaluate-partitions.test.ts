/**
 * `vigil evaluate --partitions N [--shared-windows]`: the whole path as the detector service runs it on N
 * partitions keyed by client address (a pipeline and an engine per partition). One partition is exactly
 * the unpartitioned path; N partitions judge every request once, against every partition's decisions.
 */
import { evaluateWholePath, type EvaluatePathOptions } from '../../apps/cli/src/commands/evaluate-path';
import { UsageError } from '../../apps/cli/src/errors';

const base: EvaluatePathOptions = {
  model: ['none'],
  simulateSeeds: '7',
  minutes: '6',
  scales: '0.3',
  progress: false,
};

describe('vigil evaluate --partitions', () => {
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  afterAll(() => quiet.mockRestore());

  it('gives the unpartitioned report with one partition, and judges every request once with four', async () => {
    const [plain] = await evaluateWholePath(base);
    const [one] = await evaluateWholePath({ ...base, partitions: '1' });
    expect(one!.report).toEqual(plain!.report);
    const [owned] = await evaluateWholePath({ ...base, partitions: '4' });
    const [shared] = await evaluateWholePath({ ...base, partitions: '4', sharedWindows: true });
    for (const r of [owned!.report, shared!.report]) {
      expect(r.events).toBe(plain!.report.events);
      expect(r.plainCustomers.users).toBe(plain!.report.plainCustomers.users);
      expect(r.decisions.total).toBeGreaterThan(0);
    }
  }, 120_000);

  it('refuses --shared-windows without partitions, and a fractional count', async () => {
    await expect(evaluateWholePath({ ...base, sharedWindows: true })).rejects.toThrow(UsageError);
    await expect(evaluateWholePath({ ...base, partitions: '2.5' })).rejects.toThrow(/whole number/);
  });
});
