// KedaScaledObject: a typed keda.sh/v1alpha1 ScaledObject, valid against KEDA's published schema.
import { Duration, Testing } from 'cdk8s';
import { validateKedaSchema } from './rainbow-util';
import { KedaScaledObject, KedaScaledObjectProps } from '../src';
import { checkManifests } from '../src/checks';

const trigger = { type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(open_connections{release="v1"})', threshold: '1' } };

function synth(props: Partial<KedaScaledObjectProps> = {}) {
  const chart = Testing.chart();
  const so = new KedaScaledObject(chart, 'scaler', { metadata: { name: 'chat-v1' }, scaleTarget: { name: 'chat-v1' }, triggers: [trigger], ...props });
  const objects = Testing.synth(chart);
  validateKedaSchema(objects);
  return { so, json: objects[0] };
}

function refused(props: Partial<KedaScaledObjectProps>): string {
  try {
    synth(props);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('KedaScaledObject', () => {
  test('defaults: KEDA\'s own (scale to zero after 5 minutes, polled every 30 s, at most 100)', () => {
    const { so, json } = synth();
    expect(json).toEqual({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'chat-v1' },
      spec: { cooldownPeriod: 300, maxReplicaCount: 100, minReplicaCount: 0, pollingInterval: 30, scaleTargetRef: { name: 'chat-v1' }, triggers: [trigger] },
    });
    expect([so.minReplicaCount, so.maxReplicaCount, so.cooldownSeconds]).toEqual([0, 100, 300]);
  });

  test('can configure counts, timings, the HPA\'s scaling and the ownership check; the checker sees it as a scaler', () => {
    const { json } = synth({
      scaleTarget: { name: 'chat-v1', kind: 'StatefulSet', apiVersion: 'apps/v1' },
      minReplicaCount: 2,
      maxReplicaCount: 8,
      idleReplicaCount: 0,
      cooldown: Duration.minutes(10),
      pollingInterval: Duration.seconds(15),
      initialCooldown: Duration.minutes(2),
      hpaScaleDown: false,
      hpaOwnershipValidation: false,
      triggers: [{ ...trigger, name: 'connections', metricType: 'Value', authenticationRef: 'prometheus-auth' }],
    });
    expect(json.metadata.annotations).toEqual({ 'validations.keda.sh/hpa-ownership': 'false' });
    expect(json.spec).toEqual({
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { selectPolicy: 'Disabled' } } } },
      cooldownPeriod: 600,
      idleReplicaCount: 0,
      initialCooldownPeriod: 120,
      maxReplicaCount: 8,
      minReplicaCount: 2,
      pollingInterval: 15,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'chat-v1' },
      triggers: [{ ...trigger, name: 'connections', metricType: 'Value', authenticationRef: { name: 'prometheus-auth' } }],
    });
    const statefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'chat-v1' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'chat' } }, template: { metadata: { labels: { app: 'chat' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    };
    // GS010: spec.replicas while the ScaledObject scales it.
    expect(checkManifests([statefulSet, json]).findings.map(f => f.ruleId)).toContain('GS010');
  });

  test.each<[string, Partial<KedaScaledObjectProps>, string]>([
    ['maxReplicaCount below minReplicaCount', { minReplicaCount: 5, maxReplicaCount: 3 }, "'maxReplicaCount' (3) must be at least 'minReplicaCount' (5) and at least 1; raise it"],
    ['a fractional count', { minReplicaCount: 1.5 }, "'minReplicaCount' (1.5) must be a whole number of zero or more"],
    ['idleReplicaCount without a minimum above it', { idleReplicaCount: 0 },
      "'idleReplicaCount' (0) must be 0 and below 'minReplicaCount' (0), the only value KEDA supports; omit it to scale an idle workload to minReplicaCount"],
    ['no trigger', { triggers: [] }, "'triggers' must list at least one trigger"],
    ['a metadata value that is not a string', { triggers: [{ type: 'prometheus', metadata: { threshold: 5 as any } }] },
      "'triggers[0].metadata.threshold' (5) must be a string: KEDA reads every metadata value as one; quote it"],
    ['a trigger without type', { triggers: [{ type: '', metadata: {} }] }, "'triggers[0].type' (\"\") must name a KEDA scaler, e.g. 'prometheus'"],
    ['a polling interval under a second', { pollingInterval: Duration.millis(0) }, "'pollingInterval' (0s) must be a finite Duration of at least 1s"],
    ['no target', { scaleTarget: { name: '' } }, "'scaleTarget.name' must name the workload to scale"],
  ])('throws if %s', (_what, props, message) => {
    expect(refused(props)).toContain(message);
  });
});
