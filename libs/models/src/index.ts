/**
 * @vigil/models: model manifests, loading and validation against the feature registry, TF.js backend
 * selection, batched scoring with explanations, and the input layout shared by training and serving.
 */
export {
  MANIFEST_VERSION,
  MANIFEST_FILE,
  MODEL_TOPOLOGY_FILE,
  NORMALIZATION_TRANSFORMS,
  ManifestError,
  modelManifestSchema,
  parseManifest,
} from './manifest/model-manifest';
export type { ModelManifest, NormalizationTransform } from './manifest/model-manifest';
export { featureLayout, qualify, splitQualified, validateManifestFeatures } from './manifest/feature-layout';
export type { FeatureCheck, QualifiedFeature } from './manifest/feature-layout';
export { directoryIO, readModelArtifacts, writeModelArtifacts, WEIGHTS_FILE } from './io/directory-io';
export {
  BACKEND_NAMES,
  defaultCandidates,
  describeRuntime,
  resetTfRuntimeForTests,
  selectBackend,
  tfRuntime,
} from './backend/tf-runtime';
export type {
  BackendAttempt,
  BackendCandidate,
  BackendName,
  BackendOptions,
  ModuleLoader,
  Tf,
  TfRuntime,
} from './backend/tf-runtime';
export { fitNormalization, normalizeRows, transformValue } from './scoring/normalization';
export type { Normalization } from './scoring/normalization';
export { DetectorModel } from './scoring/detector-model';
export type { Explanation, FeatureReason, Verdict } from './scoring/detector-model';
export { assembleInputs, inputLayout } from './inputs/input-layout';
export type { DetectorInputs, InputLayout } from './inputs/input-layout';
export {
  compareVersions,
  listModelDirs,
  loadModel,
  loadModels,
  readManifest,
  resolveModelDir,
  validateModelDir,
} from './registry/model-registry';
export type { LoadOptions, ModelValidation } from './registry/model-registry';
