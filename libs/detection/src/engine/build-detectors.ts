/**
 * The detector line-up, built from the loaded models and the policy: which parts each detector has, on
 * which entity, with which default action. A missing model leaves its detector to its baselines.
 */
import type { DetectorModel } from '@vigil/models';
import {
  apiKeyFacts,
  apiKeyFleet,
  ipEnumeration,
  ipFacts,
  ipLoginFailures,
  ipRegularBreadth,
  ownLoginEvidence,
  ownReadingEvidence,
  principalLoginFailures,
  principalTakeover,
  sessionTwoPlaces,
  takeoverEnforceEvidence,
} from '../detectors/baseline-rules';
import { CompositeDetector } from '../detectors/composite-detector';
import type { Detector } from '../detectors/finding';
import { LoginPopulationDetector, DEFAULT_LOGIN_POPULATION } from '../detectors/login-population';
import { ModelScorer } from '../detectors/model-scorer';
import type { DetectorName, PolicyConfig } from '../policy/policy-config';

export interface ModelSet {
  /** Detector id (manifest `detector`) → the active model. */
  readonly active: ReadonlyMap<string, DetectorModel>;
  /** Detector id → a second version scored beside the active one; its decisions are shadow. */
  readonly shadow?: ReadonlyMap<string, DetectorModel>;
}

export function buildDetectors(models: ModelSet, policy: PolicyConfig): Detector[] {
  const scorer = (name: DetectorName, model: DetectorModel | undefined): ModelScorer | null => {
    if (!model) return null;
    const p = policy.detectors[name];
    return new ModelScorer(model, {
      alert: p.modelAlert ?? model.manifest.thresholds.alert.score,
      enforce: p.modelEnforce ?? model.manifest.thresholds.block.score,
    });
  };
  const rules = (name: DetectorName) => ({
    alert: policy.detectors[name].ruleAlert,
    enforce: policy.detectors[name].ruleEnforce,
  });
  const withModel = (name: DetectorName, modelId: string) => ({
    model: scorer(name, models.active.get(modelId)),
    shadowModel: scorer(name, models.shadow?.get(modelId)),
  });
  const all: [DetectorName, Detector][] = [
    [
      'credential-stuffing',
      new CompositeDetector({
        id: 'credential-stuffing',
        entity: 'ip',
        action: 'block',
        ...withModel('credential-stuffing', 'credential-stuffing'),
        rules: [ipLoginFailures],
        ruleThresholds: rules('credential-stuffing'),
        modelEvidence: ownLoginEvidence,
        facts: ipFacts,
      }),
    ],
    [
      'credential-cracking',
      new CompositeDetector({
        id: 'credential-cracking',
        entity: 'principal',
        action: 'challenge',
        rules: [principalLoginFailures],
        ruleThresholds: rules('credential-cracking'),
      }),
    ],
    [
      'account-takeover',
      new CompositeDetector({
        id: 'account-takeover',
        entity: 'principal',
        action: 'step_up',
        ...withModel('account-takeover', 'account-takeover'),
        rules: [principalTakeover],
        ruleThresholds: rules('account-takeover'),
        modelEnforceEvidence: takeoverEnforceEvidence,
      }),
    ],
    [
      'session-hijack',
      new CompositeDetector({
        id: 'session-hijack',
        entity: 'session',
        action: 'revoke_session',
        rules: [sessionTwoPlaces],
        ruleThresholds: rules('session-hijack'),
      }),
    ],
    [
      'scraping',
      new CompositeDetector({
        id: 'scraping',
        entity: 'ip',
        action: 'block',
        ...withModel('scraping', 'scraping'),
        rules: [ipEnumeration, ipRegularBreadth],
        ruleThresholds: rules('scraping'),
        modelEvidence: ownReadingEvidence,
        facts: ipFacts,
      }),
    ],
    [
      'api-key-abuse',
      new CompositeDetector({
        id: 'api-key-abuse',
        entity: 'apiKey',
        action: 'block',
        rules: [apiKeyFleet],
        ruleThresholds: rules('api-key-abuse'),
        facts: apiKeyFacts,
      }),
    ],
    ['login-population', new LoginPopulationDetector(DEFAULT_LOGIN_POPULATION)],
  ];
  return all.filter(([name]) => policy.detectors[name].enabled).map(([, d]) => d);
}
