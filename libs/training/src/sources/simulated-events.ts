/**
 * Simulated traffic as decoded AccessEvents: the simulator's requests are written as gateway log lines and
 * decoded by the same SourceDecoder a live source uses (with the source config the simulator says reads its
 * format), so training sees exactly what production would. Nothing is written to disk.
 */
import { createSourceDecoder, parseSourceConfig, type AccessEvent } from '@vigil/events';
import {
  createWriter,
  Simulation,
  sourceConfigFor,
  type LabelsFile,
  type SimFormat,
  type SimulationOptions,
  type SimulationStats,
} from '@vigil/simulator';

export interface SimulatedRunOptions extends SimulationOptions {
  readonly format?: SimFormat;
  /** Only the attack campaigns' requests (for injection into other traffic). */
  readonly attacksOnly?: boolean;
  /**
   * Only these kinds of requests (`trap`: the benign look-alikes — NATs, partners, monitors, crawlers,
   * travellers — for injection into other traffic). `attacksOnly` is `['attack']`.
   */
  readonly kinds?: readonly ('attack' | 'trap' | 'benign')[];
  /** Remember each labeled request's group (campaign or trap id) for groupOf(). */
  readonly trackGroups?: boolean;
}

export class SimulatedRun {
  private readonly sim: Simulation;
  readonly format: SimFormat;
  deadLetters = 0;
  private readonly groups = new Map<string, string>();

  constructor(readonly options: SimulatedRunOptions) {
    this.sim = new Simulation(options);
    this.format = options.format ?? 'kong';
  }

  get name(): string {
    const o = this.options;
    const kinds = kindsOf(o);
    const only = kinds === null ? '' : kinds.length === 1 && kinds[0] === 'attack' ? '-attacks' : `-${kinds.join('+')}`;
    const profile = o.profile && o.profile !== 'bank' ? `-${o.profile}` : '';
    // Overlays are sized to a history: their minutes and scale are not round numbers.
    return `sim${profile}-seed${o.seed}-m${Number(o.minutes.toFixed(1))}-s${Number(o.scale.toFixed(3))}${only}`;
  }

  /** Decoded events in chunks of `chunk`. Runs once; labels() is complete afterwards. */
  *events(chunk = 4096): Generator<AccessEvent[]> {
    const writer = createWriter(this.format);
    const trusted = Simulation.networks(this.options.profile).trustedProxies;
    const raw = sourceConfigFor(this.format, {}, { trustedProxies: trusted });
    const key = this.options.hashKey;
    const config = parseSourceConfig(key ? { ...raw, hashing: { key } } : raw, 'simulator source config');
    const decoder = createSourceDecoder(this.format, config);
    let out: AccessEvent[] = [];
    const kinds = kindsOf(this.options);
    for (const r of this.sim.requests()) {
      if (kinds !== null && !kinds.includes(r.kind)) continue;
      if (this.options.trackGroups && r.group !== null) this.groups.set(r.request.requestId, r.group);
      const d = decoder.decode(writer.write(r.request));
      if (!d.ok) {
        this.deadLetters++;
        continue;
      }
      out.push(d.value);
      if (out.length >= chunk) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
  }

  /** The campaign or trap a request belongs to (with trackGroups), null for plain traffic. */
  groupOf(requestId: string | null): string | null {
    return requestId === null ? null : (this.groups.get(requestId) ?? null);
  }

  /** The labels of a run with these options, without writing or decoding its traffic (deterministic). */
  static labelsOf(options: SimulatedRunOptions): LabelsFile {
    const sim = new Simulation(options);
    for (const r of sim.requests()) void r;
    return only(sim.labels(), kindsOf(options));
  }

  labels(): LabelsFile {
    return only(this.sim.labels(), kindsOf(this.options));
  }

  stats(): SimulationStats {
    return this.sim.stats();
  }
}

function kindsOf(o: SimulatedRunOptions): readonly ('attack' | 'trap' | 'benign')[] | null {
  return o.kinds ?? (o.attacksOnly ? ['attack'] : null);
}

/** The labels of the kinds kept: a run of only traps has no campaigns to label, and the reverse. */
function only(l: LabelsFile, kinds: readonly string[] | null): LabelsFile {
  if (kinds === null) return l;
  return {
    ...l,
    campaigns: kinds.includes('attack') ? l.campaigns : [],
    traps: kinds.includes('trap') ? l.traps : [],
  };
}
