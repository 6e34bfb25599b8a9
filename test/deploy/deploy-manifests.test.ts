/**
 * deploy/ checked offline (no Docker daemon, no cluster): every YAML parses, every Kubernetes object has
 * its identity and the fields that matter, and the pieces agree with each other and with the code — the
 * detector configs pass the detector's own validation, probes and health checks name routes the
 * detector's OpsController serves on the port its config listens on, commands name files the build
 * produces, and the compose topic job's flags are ones `vigil topics create` accepts (run as a dry run).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  DEFAULT_TOPICS,
  loadDetectorConfig,
  parseDetectorConfig,
  type DetectorConfig,
} from '../../apps/detector/src/config/detector-config';
import { OpsController } from '../../apps/detector/src/ops/ops.controller';
import {
  loadNotifierConfig,
  parseNotifierConfig,
  type NotifierConfig,
} from '../../apps/notifier/src/config/notifier-config';
import { OpsController as NotifierOpsController } from '../../apps/notifier/src/ops/ops.controller';
import { OpsController as EnforcerOpsController } from '../../apps/enforcer/src/ops/ops.controller';
import {
  EnforcerConfigError,
  loadEnforcerConfig,
  parseEnforcerConfig,
} from '../../apps/enforcer/src/config/enforcer-config';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'kubernetes');
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'vigil.js');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

/** `GET /health` etc.: the routes an app's HTTP server really has, read from its controller. */
function routesOf(controller: { prototype: object }): Map<string, string> {
  const routes = new Map<string, string>();
  const proto = controller.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const handler = proto[name];
    if (typeof handler !== 'function' || name === 'constructor') continue;
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    if (path === undefined) continue;
    const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
    routes.set(`/${path.replace(/^\//, '')}`, method!);
  }
  return routes;
}

/** Compose's `${NAME:-default}` and `${NAME}` as an unset environment gives them. */
function interpolate(text: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
}

/** Every document of every YAML file in deploy/kubernetes, by `kind/name`. */
function kubernetesObjects(): Map<string, { file: string; doc: Doc }> {
  const out = new Map<string, { file: string; doc: Doc }>();
  for (const file of readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')) {
    for (const d of parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))) {
      expect(d.errors).toEqual([]);
      const doc = d.toJS() as Doc | null;
      if (doc) out.set(`${doc['kind']}/${doc['metadata']?.['name']}`, { file, doc });
    }
  }
  return out;
}

function one(objects: Map<string, { doc: Doc }>, kind: string): Doc {
  const found = [...objects.values()].filter((o) => o.doc['kind'] === kind);
  expect(found).toHaveLength(1);
  return found[0]!.doc;
}

const seconds = (text: string): number => {
  const m = /^(\d+)(s|m)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

describe('deploy/', () => {
  const routes = routesOf(OpsController);

  it('reads the detector routes from the code', () => {
    expect(routes.get('/health')).toBe('GET');
    expect(routes.get('/ready')).toBe('GET');
    expect(routes.get('/metrics')).toBe('GET');
  });

  describe('docker-compose.yml', () => {
    const compose = parseYaml(interpolate(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'))) as Doc;
    const services = compose['services'] as Record<string, Doc>;
    const mounted = (service: Doc, target: string): string => {
      const volume = (service['volumes'] as string[]).find((v) => v.split(':')[1] === target);
      expect(volume).toBeDefined();
      return resolve(DEPLOY, volume!.split(':')[0]!);
    };
    const published = (service: Doc): Map<number, number> =>
      new Map(
        ((service['ports'] ?? []) as string[]).map((p) => {
          const [host, container] = p.split(':').map(Number);
          return [container!, host!];
        }),
      );
    const detector = services['detector']!;
    const configPath = detector['command'][detector['command'].indexOf('--config') + 1] as string;
    const config: DetectorConfig = loadDetectorConfig(['--config', mounted(detector, configPath)], {});

    it('has Kafka (official image, KRaft), Redis, the topic job and the detector', () => {
      expect(Object.keys(services)).toEqual(expect.arrayContaining(['detector', 'kafka', 'redis', 'topics']));
      expect(services['kafka']!['image']).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
      expect(services['redis']!['image']).toMatch(/^redis:\d/);
    });

    it('runs Kafka as one KRaft node whose listeners reach containers and the host', () => {
      const env = services['kafka']!['environment'] as Record<string, string | number>;
      expect(String(env['KAFKA_PROCESS_ROLES']).split(',').sort()).toEqual(['broker', 'controller']);
      const listeners = new Map(
        String(env['KAFKA_LISTENERS'])
          .split(',')
          .map((l) => /^([A-Z_]+):\/\/[^:]*:(\d+)$/.exec(l)!)
          .map((m) => [m[1]!, Number(m[2])]),
      );
      const protocols = new Map(
        String(env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP'])
          .split(',')
          .map((p) => p.split(':') as [string, string]),
      );
      for (const name of listeners.keys()) expect(protocols.has(name)).toBe(true);
      const controller = String(env['KAFKA_CONTROLLER_LISTENER_NAMES']);
      expect(String(env['KAFKA_CONTROLLER_QUORUM_VOTERS'])).toBe(
        `${env['KAFKA_NODE_ID']}@${services['kafka']!['hostname']}:${listeners.get(controller)}`,
      );
      const advertised = String(env['KAFKA_ADVERTISED_LISTENERS'])
        .split(',')
        .map((l) => /^([A-Z_]+):\/\/([^:]+):(\d+)$/.exec(l)!)
        .map((m) => ({ name: m[1]!, host: m[2]!, port: Number(m[3]) }));
      const ports = published(services['kafka']!);
      // Inside the network: the service's name and the listener's own port. On the host: localhost and
      // the published port that leads to that listener.
      const internal = advertised.find((a) => a.host === 'kafka');
      const host = advertised.find((a) => a.host === 'localhost');
      expect(internal && internal.port).toBe(listeners.get(internal!.name));
      expect(host && ports.get(listeners.get(host.name)!)).toBe(host!.port);
      expect(config.kafka.brokers).toEqual([`kafka:${internal!.port}`]);
      expect(String(services['kafka']!['healthcheck']['test'])).toContain(`kafka:${internal!.port}`);
    });

    it('points the detector at the Redis service', () => {
      const url = new URL(config.redis.url!);
      expect(url.hostname).toBe('redis');
      expect(published(services['redis']!).has(Number(url.port || 6379))).toBe(true);
    });

    it('runs the detector and the topic job from one image built by deploy/Dockerfile', () => {
      const topics = services['topics']!;
      expect(detector['image']).toBe(topics['image']);
      expect(detector['build']).toEqual(topics['build']);
      const dockerfile = resolve(DEPLOY, detector['build']['context'], detector['build']['dockerfile']);
      expect(dockerfile).toBe(join(DEPLOY, 'Dockerfile'));
      // The same start command as the image's default (and the Kubernetes Deployment's).
      const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(dockerfile, 'utf8'))![1]!;
      expect(detector['command']).toEqual(JSON.parse(cmd));
      expect(mounted(topics, configPath)).toBe(mounted(detector, configPath));
    });

    it('serves the detector’s port, checks its /ready, and orders the start-up', () => {
      expect(published(detector).get(config.http.port)).toBe(config.http.port);
      const check = (detector['healthcheck']['test'] as string[]).join(' ');
      const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(check)!;
      expect(Number(url[1])).toBe(config.http.port);
      expect(routes.has(url[2]!)).toBe(true);
      expect(detector['depends_on']).toEqual({
        kafka: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        topics: { condition: 'service_completed_successfully' },
      });
      expect(services['topics']!['depends_on']).toEqual({ kafka: { condition: 'service_healthy' } });
      expect(seconds(detector['stop_grace_period'])).toBeGreaterThan(config.detection.batchSeconds);
    });

    it('gives the topic job flags that vigil topics create accepts, and plans the config’s topics', async () => {
      const topics = services['topics']!;
      const argv = (topics['command'] as string[]).map((a) => (a === configPath ? mounted(topics, configPath) : a));
      expect(argv.slice(0, 4)).toEqual(['node', 'apps/cli/bin/vigil.js', 'topics', 'create']);
      const { stdout } = await run(process.execPath, [CLI, ...argv.slice(2), '--dry-run', '--json'], { cwd: ROOT });
      const plan = JSON.parse(stdout) as {
        topics: { topic: string; replicationFactor: number; configEntries: unknown[] }[];
      };
      expect(plan.topics.map((t) => t.topic)).toEqual([
        ...config.sources.map((s) => s.topic),
        ...Object.values(config.kafka.topics),
      ]);
      // One broker: one replica, and the decisions topic compacted.
      expect(plan.topics.every((t) => t.replicationFactor === 1)).toBe(true);
      expect(plan.topics.find((t) => t.topic === config.kafka.topics.decisions)!.configEntries).toEqual([
        { name: 'cleanup.policy', value: 'compact' },
      ]);
    });
  });

  describe('deploy/Dockerfile', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');

    it('builds in one stage and runs from another, as a non-root user', () => {
      const stages = dockerfile.match(/^FROM .+$/gm)!;
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(dockerfile).toMatch(/^RUN npm ci\b/m);
      expect(dockerfile).toMatch(/^RUN npx tsc -b tsconfig\.build\.json$/m);
      expect(dockerfile).toMatch(/^COPY --from=build /m);
      expect(dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))).toMatch(/^USER node$/m);
    });

    it('starts files the build produces', () => {
      const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
      const script = cmd[1]!;
      expect(script).toBe('apps/detector/dist/main.js');
      // tsc maps src/ to dist/ (apps/detector/tsconfig.json), so main.ts becomes main.js.
      const tsconfig = JSON.parse(readFileSync(join(ROOT, 'apps', 'detector', 'tsconfig.json'), 'utf8'));
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(existsSync(join(ROOT, script.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
      expect(existsSync(CLI)).toBe(true);
      expect(dockerfile).toContain('apps/cli/bin/vigil.js');
    });
  });

  describe('deploy/detector.yaml', () => {
    it('passes the detector’s config validation and uses the default output topics', () => {
      const config = loadDetectorConfig(['--config', join(DEPLOY, 'detector.yaml')], {});
      expect(config.kafka.topics).toEqual(DEFAULT_TOPICS);
      expect(config.sources.length).toBeGreaterThan(0);
    });
  });

  describe('kubernetes/', () => {
    const objects = kubernetesObjects();
    // The detector's objects: the ones labelled vigil-detector, and the shared Namespace.
    const detectorObjects = new Map(
      [...objects].filter(([, o]) =>
        [undefined, 'vigil-detector'].includes(o.doc['metadata']?.['labels']?.['app.kubernetes.io/name']),
      ),
    );
    const deployment = one(detectorObjects, 'Deployment');
    const configMap = one(detectorObjects, 'ConfigMap');
    const secret = one(detectorObjects, 'Secret');
    const service = one(detectorObjects, 'Service');
    const scaled = one(detectorObjects, 'ScaledObject');
    const namespace = one(detectorObjects, 'Namespace');
    const pod = deployment['spec']['template'];
    const container = pod['spec']['containers'][0] as Doc;
    const configPath = container['command'][container['command'].indexOf('--config') + 1] as string;
    const mount = (container['volumeMounts'] as Doc[]).find((m) => configPath.startsWith(`${m['mountPath']}/`))!;
    const configKey = posix.relative(mount['mountPath'], configPath);
    const config = parseDetectorConfig(parseYaml(configMap['data'][configKey]), {}, 'the ConfigMap');
    const portOf = (ref: string | number): number =>
      typeof ref === 'number' ? ref : (container['ports'] as Doc[]).find((p) => p['name'] === ref)!['containerPort'];

    it('gives every object apiVersion, kind and a name, in the vigil namespace', () => {
      expect(detectorObjects.size).toBe(6);
      for (const { file, doc } of objects.values()) {
        expect([file, typeof doc['apiVersion'], typeof doc['kind']]).toEqual([file, 'string', 'string']);
        expect(doc['metadata']['name']).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        if (doc['kind'] !== 'Namespace')
          expect([file, doc['metadata']['namespace']]).toEqual([file, namespace['metadata']['name']]);
      }
    });

    it('lists every manifest in kustomization.yaml', () => {
      const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Doc;
      const files = new Set([...objects.values()].map((o) => o.file));
      expect([...kustomization['resources']].sort()).toEqual([...files].sort());
      expect(kustomization['images'].map((i: Doc) => i['name'])).toContain(container['image'].split(':')[0]);
    });

    it('mounts a ConfigMap whose detector config passes the detector’s validation', () => {
      const volume = (pod['spec']['volumes'] as Doc[]).find((v) => v['name'] === mount['name'])!;
      expect(volume['configMap']['name']).toBe(configMap['metadata']['name']);
      expect(config.http.host).toBe('0.0.0.0');
    });

    it('starts the detector as the image and compose do', () => {
      const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'))![1]!;
      expect(container['command']).toEqual(JSON.parse(cmd));
    });

    it('probes /health and /ready on the port the config listens on', () => {
      expect(portOf('http')).toBe(config.http.port);
      const probes = {
        startup: container['startupProbe'],
        liveness: container['livenessProbe'],
        readiness: container['readinessProbe'],
      };
      expect(probes.liveness['httpGet']['path']).toBe('/health');
      expect(probes.readiness['httpGet']['path']).toBe('/ready');
      for (const probe of Object.values(probes)) {
        expect(routes.get(probe['httpGet']['path'])).toBe('GET');
        expect(portOf(probe['httpGet']['port'])).toBe(config.http.port);
      }
      expect(pod['metadata']['annotations']['prometheus.io/port']).toBe(String(config.http.port));
      expect(routes.has(pod['metadata']['annotations']['prometheus.io/path'])).toBe(true);
    });

    it('takes its keys from the Secret, whose placeholders the detector refuses', () => {
      const fromSecret = (container['env'] as Doc[]).filter((e) => e['valueFrom']?.['secretKeyRef']);
      expect(fromSecret.map((e) => e['name']).sort()).toEqual(['VIGIL_AUDIT_KEY', 'VIGIL_HASH_KEY']);
      for (const e of fromSecret) {
        expect(e['valueFrom']['secretKeyRef']['name']).toBe(secret['metadata']['name']);
        expect(Object.keys(secret['stringData'])).toContain(e['valueFrom']['secretKeyRef']['key']);
      }
      // An un-edited Secret must stop the detector at start-up, not run it with a key everyone knows.
      const raw = parseYaml(configMap['data'][configKey]);
      expect(() => parseDetectorConfig(raw, { VIGIL_AUDIT_KEY: secret['stringData']['VIGIL_AUDIT_KEY'] })).toThrow(
        /audit\.key/,
      );
      expect(String(secret['stringData']['VIGIL_HASH_KEY']).length).toBeLessThan(16);
    });

    it('sets resources, a grace period longer than a batch and a session, and a locked-down context', () => {
      expect(container['resources']['requests']).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(container['resources']['limits']['memory']).toEqual(expect.any(String));
      const grace = pod['spec']['terminationGracePeriodSeconds'] as number;
      expect(grace).toBeGreaterThan(config.detection.batchSeconds);
      expect(grace).toBeGreaterThan(config.kafka.sessionTimeoutMs / 1000);
      expect(pod['spec']['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container['securityContext']).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      for (const [k, v] of Object.entries(deployment['spec']['selector']['matchLabels'] as Record<string, string>))
        expect(pod['metadata']['labels'][k]).toBe(v);
    });

    it('exposes the metrics port through the Service', () => {
      for (const [k, v] of Object.entries(service['spec']['selector'] as Record<string, string>))
        expect(pod['metadata']['labels'][k]).toBe(v);
      const port = (service['spec']['ports'] as Doc[])[0]!;
      expect(portOf(port['targetPort'])).toBe(config.http.port);
      expect(port['name']).toMatch(/metrics/);
    });

    it('scales the Deployment on the consumer group’s lag of the raw topic', () => {
      expect(scaled['apiVersion']).toBe('keda.sh/v1alpha1');
      expect(scaled['spec']['scaleTargetRef']['name']).toBe(deployment['metadata']['name']);
      const [trigger] = scaled['spec']['triggers'] as Doc[];
      expect(trigger!['type']).toBe('kafka');
      const m = trigger!['metadata'] as Record<string, string>;
      expect(m['bootstrapServers']).toBe(config.kafka.brokers.join(','));
      expect(m['consumerGroup']).toBe(config.kafka.groupId);
      expect(config.sources.map((s) => s.topic)).toContain(m['topic']);
      expect(Number(m['lagThreshold'])).toBeGreaterThan(0);
      // Replicas beyond the partition count would idle: KEDA must cap them there.
      expect(m['allowIdleConsumers']).toBe('false');
      expect(scaled['spec']['maxReplicaCount']).toBeGreaterThanOrEqual(scaled['spec']['minReplicaCount']);
    });
  });
});

describe('deploy/: the notifier', () => {
  const routes = routesOf(NotifierOpsController);
  const compose = parseYaml(interpolate(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'))) as Doc;
  const services = compose['services'] as Record<string, Doc>;
  const detectorConfig = loadDetectorConfig(['--config', join(DEPLOY, 'detector.yaml')], {});
  /** The longest a destination's request may take: the grace period must cover a send in flight. */
  const longestSendSeconds = (c: NotifierConfig) =>
    Math.max(
      ...c.destinations.map((d) => {
        const t = d.transport;
        return (t.type === 'syslog' ? t.writeTimeoutMs : t.type === 'kafka' ? 30_000 : t.timeoutMs) / 1000;
      }),
    );

  it('reads the notifier routes from the code', () => {
    expect(['/health', '/ready', '/metrics'].map((r) => routes.get(r))).toEqual(['GET', 'GET', 'GET']);
  });

  describe('docker-compose.yml and notifier.yaml', () => {
    const notifier = services['notifier']!;
    const configPath = notifier['command'][notifier['command'].indexOf('--config') + 1] as string;
    const volume = (notifier['volumes'] as string[]).find((v) => v.split(':')[1] === configPath)!;
    const config = loadNotifierConfig(['--config', resolve(DEPLOY, volume.split(':')[0]!)], {});

    it('runs the built notifier from the detector’s image, with a config that passes its validation', () => {
      expect(notifier['image']).toBe(services['detector']!['image']);
      expect(notifier['build']).toEqual(services['detector']!['build']);
      expect(notifier['command'].slice(0, 2)).toEqual(['node', 'apps/notifier/dist/main.js']);
      const tsconfig = JSON.parse(readFileSync(join(ROOT, 'apps', 'notifier', 'tsconfig.json'), 'utf8'));
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(existsSync(join(ROOT, 'apps', 'notifier', 'src', 'main.ts'))).toBe(true);
      expect(resolve(DEPLOY, volume.split(':')[0]!)).toBe(join(DEPLOY, 'notifier.yaml'));
    });

    it('reads the alerts the detector writes, from the same Kafka', () => {
      expect(config.kafka.brokers).toEqual(detectorConfig.kafka.brokers);
      expect(config.kafka.topics.alerts).toBe(detectorConfig.kafka.topics.alerts);
    });

    it('has its dead-letter and Kafka destination topics created before it starts (no auto-creation)', () => {
      const job = services['notifier-topics']!;
      expect(job['image']).toBe(services['kafka']!['image']);
      const script = (job['command'] as string[]).join(' ');
      const wanted = [
        config.kafka.topics.deadLetters,
        ...config.destinations.flatMap((d) => (d.transport.type === 'kafka' ? [d.transport.topic] : [])),
      ];
      for (const topic of wanted) expect(script.split(/[\s;]+/)).toContain(topic);
      expect(script).toContain('--bootstrap-server kafka:19092');
      expect(notifier['depends_on']).toEqual({
        kafka: { condition: 'service_healthy' },
        topics: { condition: 'service_completed_successfully' },
        'notifier-topics': { condition: 'service_completed_successfully' },
      });
    });

    it('publishes its port, checks its /ready, and gives a send in flight time to finish', () => {
      const ports = (notifier['ports'] as string[]).map((p) => p.split(':').map(Number));
      expect(ports).toContainEqual([config.http.port, config.http.port]);
      const check = (notifier['healthcheck']['test'] as string[]).join(' ');
      const url = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(check)!;
      expect([Number(url[1]), routes.get(url[2]!)]).toEqual([config.http.port, 'GET']);
      expect(seconds(notifier['stop_grace_period'])).toBeGreaterThan(longestSendSeconds(config));
    });
  });

  describe('kubernetes/notifier.yaml', () => {
    const all = kubernetesObjects();
    const mine = new Map(
      [...all].filter(([, o]) => o.doc['metadata']?.['labels']?.['app.kubernetes.io/name'] === 'vigil-notifier'),
    );
    const deployment = one(mine, 'Deployment');
    const configMap = one(mine, 'ConfigMap');
    const secret = one(mine, 'Secret');
    const service = one(mine, 'Service');
    const pod = deployment['spec']['template'];
    const container = pod['spec']['containers'][0] as Doc;
    const configPath = container['command'][container['command'].indexOf('--config') + 1] as string;
    const mount = (container['volumeMounts'] as Doc[]).find((m) => configPath.startsWith(`${m['mountPath']}/`))!;
    const raw = parseYaml(configMap['data'][posix.relative(mount['mountPath'], configPath)]);
    const realSecrets = Object.fromEntries(Object.keys(secret['stringData']).map((k) => [k, 'x'.repeat(32)]));
    const config = parseNotifierConfig(raw, realSecrets, 'the notifier ConfigMap');
    const detectorConfigMap = one(
      new Map([...all].filter(([, o]) => o.doc['metadata']['name'] === 'vigil-detector-config')),
      'ConfigMap',
    );
    const detectorK8sConfig = parseDetectorConfig(parseYaml(detectorConfigMap['data']['detector.yaml']), {});
    const portOf = (ref: string | number): number =>
      typeof ref === 'number' ? ref : (container['ports'] as Doc[]).find((p) => p['name'] === ref)!['containerPort'];

    it('is listed in kustomization.yaml and starts the built notifier', () => {
      const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Doc;
      expect(kustomization['resources']).toContain('notifier.yaml');
      expect(container['command']).toEqual(services['notifier']!['command'].map((a: string) => a));
      const volume = (pod['spec']['volumes'] as Doc[]).find((v) => v['name'] === mount['name'])!;
      expect(volume['configMap']['name']).toBe(configMap['metadata']['name']);
    });

    it('reads the detector’s alerts from the detector’s Kafka', () => {
      expect(config.kafka.brokers).toEqual(detectorK8sConfig.kafka.brokers);
      expect(config.kafka.topics.alerts).toBe(detectorK8sConfig.kafka.topics.alerts);
    });

    it('takes every destination secret from the Secret, whose placeholders the notifier refuses', () => {
      const refs = (container['envFrom'] as Doc[]).map((e) => e['secretRef']['name']);
      expect(refs).toEqual([secret['metadata']['name']]);
      const needed = config.destinations.flatMap((d) =>
        d.transport.type === 'splunk-hec'
          ? [`VIGIL_NOTIFIER_${d.name.toUpperCase().replace(/-/g, '_')}_TOKEN`]
          : d.transport.type === 'webhook'
            ? [`VIGIL_NOTIFIER_${d.name.toUpperCase().replace(/-/g, '_')}_SECRET`]
            : [],
      );
      expect(Object.keys(secret['stringData']).sort()).toEqual(needed.sort());
      // An un-edited Secret must stop the notifier at start-up, not sign webhooks with a known key.
      expect(() => parseNotifierConfig(raw, secret['stringData'])).toThrow(/transport\.secret/);
    });

    it('probes /health and /ready on its port, exposes /metrics, and has the grace for a send in flight', () => {
      expect(portOf('http')).toBe(config.http.port);
      expect(container['livenessProbe']['httpGet']['path']).toBe('/health');
      expect(container['readinessProbe']['httpGet']['path']).toBe('/ready');
      for (const probe of [container['startupProbe'], container['livenessProbe'], container['readinessProbe']]) {
        expect(routes.get(probe['httpGet']['path'])).toBe('GET');
        expect(portOf(probe['httpGet']['port'])).toBe(config.http.port);
      }
      expect(pod['metadata']['annotations']['prometheus.io/port']).toBe(String(config.http.port));
      expect(routes.has(pod['metadata']['annotations']['prometheus.io/path'])).toBe(true);
      expect(portOf((service['spec']['ports'] as Doc[])[0]!['targetPort'])).toBe(config.http.port);
      for (const [k, v] of Object.entries(service['spec']['selector'] as Record<string, string>))
        expect(pod['metadata']['labels'][k]).toBe(v);
      expect(pod['spec']['terminationGracePeriodSeconds']).toBeGreaterThan(longestSendSeconds(config));
    });

    it('runs locked down, as the image’s non-root user', () => {
      expect(pod['spec']['securityContext']).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container['securityContext']).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container['resources']['limits']['memory']).toEqual(expect.any(String));
    });

    it('names a TLS CA file where the pod mounts it', () => {
      const files = config.destinations.flatMap((d) =>
        d.transport.type === 'syslog' && d.transport.tls?.caFile ? [d.transport.tls.caFile] : [],
      );
      expect(files.length).toBeGreaterThan(0);
      const mounts = (container['volumeMounts'] as Doc[]).map((m) => m['mountPath'] as string);
      for (const f of files) expect(mounts.some((m) => f.startsWith(`${m}/`))).toBe(true);
    });
  });
});

describe('deploy/: the enforcer', () => {
  const routes = routesOf(EnforcerOpsController);
  const compose = parseYaml(interpolate(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'))) as Doc;
  const services = compose['services'] as Record<string, Doc>;
  const keys = { VIGIL_ENFORCER_API_KEYS: 'edge-nginx:check:0123456789abcdef0123' };

  it('runs the built enforcer from the detector’s image with deploy/enforcer.yaml, ready on the port it listens on', () => {
    const enforcer = services['enforcer']!;
    expect(enforcer['image']).toBe(services['detector']!['image']);
    expect(enforcer['command'].slice(0, 2)).toEqual(['node', 'apps/enforcer/dist/main.js']);
    expect(existsSync(join(ROOT, 'apps', 'enforcer', 'src', 'main.ts'))).toBe(true);
    const configPath = enforcer['command'][enforcer['command'].indexOf('--config') + 1] as string;
    const volume = (enforcer['volumes'] as string[]).find((v) => v.split(':')[1] === configPath)!;
    expect(resolve(DEPLOY, volume.split(':')[0]!)).toBe(join(DEPLOY, 'enforcer.yaml'));
    const config = loadEnforcerConfig(['--config', join(DEPLOY, 'enforcer.yaml')], keys);
    // The compose network's Kafka listener, as the detector's config names it.
    expect(config.decisions.kafka!.brokers).toEqual(
      loadDetectorConfig(['--config', join(DEPLOY, 'detector.yaml')], {}).kafka.brokers,
    );
    expect(enforcer['ports']).toContain(`${config.http.port}:${config.http.port}`);
    expect(String(enforcer['healthcheck']['test'])).toContain(`127.0.0.1:${config.http.port}/ready`);
    expect(routes.get('/ready')).toBe('GET');
    expect(Object.keys(enforcer['environment'])).toEqual(
      expect.arrayContaining(['VIGIL_ENFORCER_API_KEYS', 'VIGIL_HASH_KEY']),
    );
  });

  it('deploys on Kubernetes with a config that validates, probes on routes the enforcer serves, and a placeholder that stops it', () => {
    const objects = kubernetesObjects();
    const mine = [...objects.values()].filter(
      (o) => o.doc['metadata']?.['labels']?.['app.kubernetes.io/name'] === 'vigil-enforcer',
    );
    expect(mine.map((o) => o.doc['kind']).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret', 'Service']);
    const kustomization = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as Doc;
    expect(kustomization['resources']).toContain('enforcer.yaml');
    const configMap = mine.find((o) => o.doc['kind'] === 'ConfigMap')!.doc;
    const config = parseEnforcerConfig(parseYaml(configMap['data']['enforcer.yaml']), keys);
    const container = mine.find((o) => o.doc['kind'] === 'Deployment')!.doc['spec']['template']['spec'][
      'containers'
    ][0];
    expect(container['ports'][0]['containerPort']).toBe(config.http.port);
    for (const probe of ['livenessProbe', 'readinessProbe'])
      expect(routes.get(container[probe]['httpGet']['path'])).toBe('GET');
    const secret = mine.find((o) => o.doc['kind'] === 'Secret')!.doc;
    expect(() => parseEnforcerConfig(parseYaml(configMap['data']['enforcer.yaml']), secret['stringData'])).toThrow(
      EnforcerConfigError,
    );
  });
});
