/**
 * Hot reload of a running detector's models (`vigil run`): the models root is loaded again with the
 * same loader as at start-up (newest version per detector, each validated against the feature
 * registry); a set that loads is swapped into the engine between two batches, a set that does not is
 * refused whole and the models in use stay. The policy, its active decisions and the engine's memory
 * are untouched; so are detectors that no model feeds (the login-population detector keeps its
 * counts), which are carried over as they are instead of being rebuilt empty.
 */
import { buildDetectors, type Detector } from '@vigil/detection';
import { listModelDirs, loadModel, ManifestError, type DetectorModel } from '@vigil/models';
import type { DetectionSetup } from '../detection-setup';

export type ReloadResult =
  | {
      readonly ok: true;
      readonly models: ReadonlyMap<string, DetectorModel>;
      /** Detectors that had a model and now run on their baselines. */
      readonly dropped: readonly string[];
    }
  | { readonly ok: false; readonly dir: string | null; readonly problems: readonly string[] };

export class ModelReloader {
  private current: ReadonlyMap<string, DetectorModel>;

  /** `betweenBatches` runs the swap when no batch is being detected. */
  constructor(
    private readonly root: string,
    private readonly setup: DetectionSetup,
    private readonly betweenBatches: (swap: () => void) => Promise<void>,
  ) {
    this.current = setup.models;
  }

  /** The active models in use now. */
  get models(): ReadonlyMap<string, DetectorModel> {
    return this.current;
  }

  async reload(): Promise<ReloadResult> {
    const runtime = this.setup.runtime;
    if (!runtime) throw new Error('model reload without a TF.js runtime (models: none)');
    const loaded = new Map<string, DetectorModel>();
    let dir: string | null = null;
    try {
      for (dir of listModelDirs(this.root)) {
        const m = await loadModel(dir, { runtime });
        loaded.get(m.detector)?.dispose();
        loaded.set(m.detector, m);
      }
    } catch (err) {
      for (const m of loaded.values()) m.dispose();
      const problems = err instanceof ManifestError && err.problems.length ? err.problems : [(err as Error).message];
      return { ok: false, dir, problems };
    }
    const engine = this.setup.engine;
    const next = buildDetectors({ active: loaded, shadow: this.setup.shadow }, this.setup.policy);
    const modelFed = new Set([...this.current.keys(), ...loaded.keys(), ...this.setup.shadow.keys()]);
    const running = new Map(engine.detectors.map((d): [string, Detector] => [d.id, d]));
    const lineUp = next.map((d) => (modelFed.has(d.id) ? d : (running.get(d.id) ?? d)));
    await this.betweenBatches(() => engine.replaceDetectors(lineUp));
    const old = this.current;
    this.current = loaded;
    for (const m of old.values()) m.dispose();
    return { ok: true, models: loaded, dropped: [...old.keys()].filter((k) => !loaded.has(k)) };
  }
}
