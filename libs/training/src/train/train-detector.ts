/**
 * Training one detector model: a small MLP (dense ReLU layers, sigmoid output) on normalized rows, with a
 * weighted binary cross-entropy. Class imbalance: both classes carry the same total weight; rows of benign
 * look-alikes (labeled NATs, partners, monitors, crawlers, travellers: the hard negatives) are weighted
 * up, because a false block there is the costliest mistake. A mix (`originShares`, e.g. history 0.6 and
 * simulated 0.4) gives each origin of rows that share of the total weight whatever its row count, with
 * its classes balanced inside it, so that a model keeps what the simulator teaches and adds what the
 * bank shows. On a sampled dataset (dataset/row-sampling.ts) a kept plain benign row counts as the rows
 * it stands for (its weight, 1/rate) in every class and origin total, so that the benign side of the
 * loss keeps the balance of plain traffic and look-alikes the full history had. Deterministic for a seed
 * (initializers and shuffling are seeded).
 */
import type { LayersModel, Tensor, Scalar } from '@tensorflow/tfjs';
import { fitNormalization, normalizeRows, type Normalization, type TfRuntime } from '@vigil/models';
import { Random } from '@vigil/simulator';
import type { Dataset } from '../dataset/dataset';

export interface TrainOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly hidden?: readonly number[];
  readonly learningRate?: number;
  readonly seed?: number;
  readonly trapWeight?: number;
  /** Share of the total loss weight per row origin (`history`, `simulated`); default: by row count. */
  readonly originShares?: Readonly<Record<string, number>>;
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

export const DEFAULT_TRAIN_OPTIONS = {
  epochs: 20,
  batchSize: 512,
  hidden: [32, 16],
  learningRate: 0.003,
  seed: 1,
  trapWeight: 4,
} as const;

export interface TrainedModel {
  readonly model: LayersModel;
  readonly normalization: Normalization;
  readonly epochs: number;
  readonly finalLoss: number;
  readonly seconds: number;
  readonly hidden: readonly number[];
}

export function buildModel(rt: TfRuntime, width: number, hidden: readonly number[], seed: number): LayersModel {
  const tf = rt.tf;
  const model = tf.sequential();
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [width] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + hidden.length }),
    }),
  );
  return model;
}

export async function trainDetector(rt: TfRuntime, train: Dataset, options: TrainOptions = {}): Promise<TrainedModel> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const tf = rt.tf;
  const started = Date.now();
  const n = train.rows;
  const width = train.width;
  if (n === 0) throw new Error(`no training rows for ${train.detector.id}`);
  const labels = train.labels;
  const normalization = fitNormalization(train.raw, n, width, (r) => labels[r] === 0);
  const x = normalizeRows(train.raw, n, normalization);
  const positives = train.positives();
  if (positives === 0) throw new Error(`no positive rows for ${train.detector.id}: the data has none of its campaigns`);
  // Rows as the rows they stand for: n and the negatives are the history's, not the sample's.
  let total = 0;
  for (let r = 0; r < n; r++) total += train.weight(r);
  const negatives = total - positives;
  const classWeight = options.originShares ? mixWeights(train, options.originShares) : null;
  const wPos = total / (2 * positives);
  const wNeg = total / (2 * Math.max(negatives, 1));
  const weights = new Float32Array(n);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = labels[r]!;
    const base = classWeight ? classWeight(r) : y[r] ? wPos : wNeg * train.weight(r);
    weights[r] = y[r] ? base : base * (train.trap(r) ? o.trapWeight : 1);
  }
  const model = buildModel(rt, width, o.hidden, o.seed);
  const optimizer = tf.train.adam(o.learningRate);
  const rng = new Random(o.seed);
  const order = Array.from({ length: n }, (_, i) => i);
  const bx = new Float32Array(o.batchSize * width);
  const by = new Float32Array(o.batchSize);
  const bw = new Float32Array(o.batchSize);
  let finalLoss = NaN;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rng);
    let lossSum = 0;
    let steps = 0;
    for (let start = 0; start < n; start += o.batchSize) {
      const m = Math.min(o.batchSize, n - start);
      for (let k = 0; k < m; k++) {
        const r = order[start + k]!;
        bx.set(x.subarray(r * width, (r + 1) * width), k * width);
        by[k] = y[r]!;
        bw[k] = weights[r]!;
      }
      const xs = tf.tensor2d(bx.subarray(0, m * width), [m, width]);
      const ys = tf.tensor2d(by.subarray(0, m), [m, 1]);
      const ws = tf.tensor2d(bw.subarray(0, m), [m, 1]);
      // minimize() runs the loss function in its own scope: only the inputs and the cost need disposing.
      const loss = optimizer.minimize(() => {
        const p = (model.apply(xs) as Tensor).clipByValue(1e-7, 1 - 1e-7);
        const bce = ys
          .mul(p.log())
          .add(tf.scalar(1).sub(ys).mul(tf.scalar(1).sub(p).log()))
          .neg();
        return bce.mul(ws).sum().div(ws.sum()) as Scalar;
      }, true);
      xs.dispose();
      ys.dispose();
      ws.dispose();
      lossSum += loss ? (await loss.data())[0]! : 0;
      loss?.dispose();
      steps++;
    }
    finalLoss = lossSum / Math.max(steps, 1);
    o.onEpoch?.(epoch + 1, finalLoss);
  }
  optimizer.dispose();
  return {
    model,
    normalization,
    epochs: o.epochs,
    finalLoss,
    seconds: (Date.now() - started) / 1000,
    hidden: o.hidden,
  };
}

/**
 * Row weights for a mix: origin o gets share[o] of the total, split evenly between the classes it has
 * (an origin without attacks gives its whole share to benign rows). Origins missing from `shares` get
 * none; shares are normalized over the origins present. Rows count by their weight (a sampled benign
 * row as the rows it stands for), and the weight returned carries it.
 */
export function mixWeights(ds: Dataset, shares: Readonly<Record<string, number>>): (r: number) => number {
  const counts = new Map<string, [number, number]>();
  let rows = 0;
  for (let r = 0; r < ds.rows; r++) {
    const o = ds.origin(r);
    let c = counts.get(o);
    if (!c) counts.set(o, (c = [0, 0]));
    const w = ds.weight(r);
    c[ds.labels[r]!] += w;
    rows += w;
  }
  let total = 0;
  for (const o of counts.keys()) total += shares[o] ?? 0;
  if (!(total > 0))
    throw new Error(`the mix gives no weight to the origins present (${[...counts.keys()].join(', ')})`);
  const w = new Map<string, [number, number]>();
  for (const [o, [neg, pos]] of counts) {
    const share = ((shares[o] ?? 0) / total) * rows;
    const classes = (neg > 0 ? 1 : 0) + (pos > 0 ? 1 : 0);
    w.set(o, [neg ? share / classes / neg : 0, pos ? share / classes / pos : 0]);
  }
  return (r) => w.get(ds.origin(r))![ds.labels[r]!]! * ds.weight(r);
}

function shuffle(a: number[], rng: Random): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
