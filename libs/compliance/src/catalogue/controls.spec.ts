import { CONTROL_TESTS, CONTROLS, FRAMEWORK_IDS, controlsOf, parseFrameworks } from './controls';
import { EVIDENCE_CLASSES } from '../evidence/evidence';

const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;

describe('the control catalogue', () => {
  it('covers the four frameworks and the controls the issue names', () => {
    expect(new Set(CONTROLS.map((c) => c.framework))).toEqual(new Set(FRAMEWORK_IDS));
    const ids = (f: string) => CONTROLS.filter((c) => c.framework === f).map((c) => c.id);
    expect(ids('nist-800-53r5')).toEqual(
      expect.arrayContaining([
        'AC-7',
        'AC-2(12)',
        'AU-2',
        'AU-3',
        'AU-6',
        'AU-9',
        'AU-9(3)',
        'AU-12',
        'CA-7',
        'CM-8',
        'IR-4',
        'IR-5',
        'SI-4',
        'SI-10',
        'AC-4',
      ]),
    );
    expect(ids('pci-dss-4')).toEqual(
      expect.arrayContaining([
        '6.4.2',
        '6.4.3',
        '8.3.4',
        '10.2.1.4',
        '10.2.2',
        '10.3.2',
        '10.3.4',
        '10.4.1',
        '10.7.2',
        '10.7.3',
        '12.5.2',
      ]),
    );
    expect(ids('glba')).toEqual(['314.4(c)(8)', '314.4(d)(2)', '314.4(i)']);
    expect(ids('ffiec')).toEqual(['II.C.5', 'II.C.22']);
  });

  it('gives every control OSCAL token ids, a known test and known evidence classes', () => {
    const statements = new Set<string>();
    for (const c of CONTROLS) {
      expect(c.oscal.controlId).toMatch(TOKEN);
      expect(c.oscal.statementId).toMatch(TOKEN);
      expect(c.oscal.statementId.startsWith(`${c.oscal.controlId}_smt`)).toBe(true);
      expect(statements.has(c.oscal.statementId)).toBe(false);
      statements.add(c.oscal.statementId);
      expect(CONTROL_TESTS).toContain(c.query.test);
      for (const cls of c.query.classes) expect(EVIDENCE_CLASSES).toContain(cls);
      expect(c.evidence.length).toBeGreaterThan(10);
    }
    expect(CONTROLS.find((c) => c.id === 'AC-7')!.oscal).toEqual({ controlId: 'ac-7', statementId: 'ac-7_smt.a' });
    expect(CONTROLS.find((c) => c.id === 'AU-9(3)')!.oscal.controlId).toBe('au-9.3');
    expect(CONTROLS.find((c) => c.id === '10.2.1.4')!.oscal.controlId).toBe('pcidss4-10.2.1.4');
    expect(CONTROLS.find((c) => c.id === '314.4(c)(8)')!.oscal.controlId).toBe('glba-314.4.c.8');
  });

  it('parses --framework names', () => {
    expect(parseFrameworks('all')).toEqual(FRAMEWORK_IDS);
    expect(parseFrameworks('glba,ffiec')).toEqual(['glba', 'ffiec']);
    expect(() => parseFrameworks('sox')).toThrow(/unknown framework sox/);
    expect(controlsOf(['glba']).every((c) => c.framework === 'glba')).toBe(true);
  });
});
