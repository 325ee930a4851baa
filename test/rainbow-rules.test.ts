// The rainbow rules (GS033–GS036) on hand-written YAML: a named compliant and non-compliant case
// per rule, read as any checker input is (graceful-check, GracefulChecks on Included YAML).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Include, Testing, Yaml } from 'cdk8s';
import * as yaml from 'js-yaml';
import { validateAllSchemas } from './rainbow-util';
import { GracefulChecks } from '../src';
import { checkManifests, formatFinding } from '../src/checks';
import { templateHashOf } from '../src/checks/rules/rainbow';

/** A hand-written rainbow: chat 1.4.0 draining (KEDA), chat 1.5.0 active (HPA), a Service on 1.5.0. */
const RAINBOW_YAML = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: chat-1-4-0
  namespace: chat
  labels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-4-0, graceful-k8s.io/release-state: draining }
spec:
  selector:
    matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-4-0 }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 25%, maxUnavailable: 0 } }
  minReadySeconds: 10
  template:
    metadata:
      labels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-4-0 }
    spec:
      terminationGracePeriodSeconds: 35
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
            labelSelector: { matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-4-0 } } }
      containers:
        - name: chat
          image: ghcr.io/acme/chat:1.4.0
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          lifecycle: { preStop: { exec: { command: [sleep, "15"] } } }
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: chat-1-4-0, namespace: chat }
spec:
  scaleTargetRef: { name: chat-1-4-0 }
  minReplicaCount: 0
  maxReplicaCount: 10
  advanced:
    horizontalPodAutoscalerConfig:
      behavior: { scaleDown: { selectPolicy: Disabled }, scaleUp: { selectPolicy: Disabled } }
  triggers:
    - type: prometheus
      metadata: { serverAddress: "http://prometheus:9090", query: 'sum(chat_open_connections{release="1-4-0"})', threshold: "1", activationThreshold: "0" }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: chat-1-4-0, namespace: chat }
spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: AlwaysAllow, selector: { matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-4-0 } } }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: chat-1-5-0
  namespace: chat
  labels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0, graceful-k8s.io/release-state: active }
spec:
  selector:
    matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 25%, maxUnavailable: 0 } }
  minReadySeconds: 10
  template:
    metadata:
      labels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 }
    spec:
      terminationGracePeriodSeconds: 35
      topologySpreadConstraints:
        - { maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
            labelSelector: { matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 } } }
      containers:
        - name: chat
          image: ghcr.io/acme/chat:1.5.0
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
          lifecycle: { preStop: { exec: { command: [sleep, "15"] } } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: chat-1-5-0, namespace: chat }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: chat-1-5-0 }
  minReplicas: 2
  maxReplicas: 10
  metrics: [{ type: Resource, resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } } }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: chat-1-5-0, namespace: chat }
spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: AlwaysAllow, selector: { matchLabels: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 } } }
---
apiVersion: v1
kind: Service
metadata: { name: chat, namespace: chat }
spec:
  selector: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const load = () => yaml.loadAll(RAINBOW_YAML) as any[];
const find = (objects: any[], kind: string, name: string) => objects.find(o => o.kind === kind && o.metadata.name === name);
const ruleIds = (objects: any[]) => checkManifests(objects).findings.map(f => f.ruleId);

describe('the hand-written rainbow', () => {
  test('is valid Kubernetes and KEDA, and the whole rule pack finds nothing', () => {
    const objects = load();
    validateAllSchemas(objects);
    const report = checkManifests(objects);
    expect(report.problems).toEqual([]);
    expect(report.findings).toEqual([]);
  });
});

describe('GS033: Service selects the pods of several releases', () => {
  test('compliant: the Service selects app and release', () => {
    expect(ruleIds(load())).not.toContain('GS033');
  });

  test('non-compliant: a Service on the app label alone spans both releases', () => {
    const objects = load();
    find(objects, 'Service', 'chat').spec.selector = { 'graceful-k8s.io/app': 'chat' };
    const findings = checkManifests(objects).findings.filter(f => f.ruleId === 'GS033');
    expect(findings.map(formatFinding)).toEqual([
      "[GS033] Service 'chat/chat': selects the pods of 2 releases of 'chat': Deployment 'chat-1-4-0' (release 1-4-0, draining), Deployment 'chat-1-5-0' "
      + '(release 1-5-0, active); new connections are spread over all of them, so the old release never drains and the new one takes only part of the '
      + 'traffic. Fix: add graceful-k8s.io/release: "1-5-0" to the Service\'s selector so it selects the active release only (RainbowDeployment does this)',
    ]);
    expect(findings[0].pointer).toBe('/spec/selector');
  });
});

describe('GS034: draining release still selected by a Service', () => {
  test('compliant: the draining release is selected by no Service', () => {
    expect(ruleIds(load())).not.toContain('GS034');
  });

  test('non-compliant: the Service was left on the release that now drains', () => {
    const objects = load();
    find(objects, 'Service', 'chat').spec.selector['graceful-k8s.io/release'] = '1-4-0';
    expect(ruleIds(objects)).toEqual(['GS034']);
    expect(formatFinding(checkManifests(objects).findings[0])).toBe(
      "[GS034] Service 'chat/chat': selects Deployment 'chat-1-4-0' (release 1-4-0, draining), which is draining (graceful-k8s.io/release-state: draining): "
      + 'it keeps getting new connections, so it never becomes idle, and whatever retires it (KEDA\'s scale to zero, a manual scale-down, a prune) cuts '
      + 'them. Fix: select the active release only (graceful-k8s.io/release: <active version>), or set this release back to active if it must serve');
  });
});

describe('GS035: autoscaler may scale a draining release down while it holds connections', () => {
  test('compliant: a ScaledObject whose HPA cannot scale down; an HPA on the active release', () => {
    expect(ruleIds(load())).not.toContain('GS035');
  });

  test('non-compliant: the HPA was kept when the release started draining', () => {
    const objects = load().filter(o => o.kind !== 'ScaledObject');
    objects.push({
      ...find(objects, 'HorizontalPodAutoscaler', 'chat-1-5-0'),
      metadata: { name: 'chat-1-4-0', namespace: 'chat' },
      spec: { ...find(objects, 'HorizontalPodAutoscaler', 'chat-1-5-0').spec, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'chat-1-4-0' } },
    });
    const findings = checkManifests(objects).findings;
    expect(findings.map(f => `${f.ruleId} ${f.kind}/${f.name} ${f.pointer}`)).toEqual(['GS035 HorizontalPodAutoscaler/chat-1-4-0 /spec']);
    expect(findings[0].message).toBe("scales Deployment 'chat-1-4-0' (release 1-4-0, draining), a draining release: as its metric falls it removes pods, and the "
      + 'ReplicaSet picks which without regard to their open connections (spec 3.3, victim order), so connections the release still holds are cut');
  });

  test('non-compliant: a ScaledObject that lets its HPA scale down', () => {
    const objects = load();
    delete find(objects, 'ScaledObject', 'chat-1-4-0').spec.advanced;
    const findings = checkManifests(objects).findings;
    expect(findings.map(f => `${f.ruleId} ${f.kind}/${f.name} ${f.pointer}`)).toEqual(['GS035 ScaledObject/chat-1-4-0 /spec/advanced']);
    expect(findings[0].message).toContain('lets the HPA that KEDA creates scale Deployment \'chat-1-4-0\' (release 1-4-0, draining), a draining release, down between 10 and 1 pods');
  });
});

describe('GS036: release pod template changed after it was rendered', () => {
  const withHash = () => {
    const objects = load();
    for (const d of objects.filter(o => o.kind === 'Deployment')) {
      d.metadata.annotations = { 'graceful-k8s.io/template-hash': templateHashOf(d.spec.template) };
    }
    return objects;
  };

  test('compliant: the recorded hash matches, also after a YAML round trip with keys in another order', () => {
    const reversed = (v: any): any => Array.isArray(v) ? v.map(reversed)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
    const text = Yaml.stringify(...withHash().map(reversed));
    expect(text.indexOf('image: ghcr.io/acme/chat:1.4.0')).toBeLessThan(text.indexOf('name: chat\n'));
    expect(ruleIds(yaml.loadAll(text) as any[])).toEqual([]);
  });

  test('non-compliant: an image automation bot bumped the draining release\'s image', () => {
    const objects = withHash();
    find(objects, 'Deployment', 'chat-1-4-0').spec.template.spec.containers[0].image = 'ghcr.io/acme/chat:1.4.1';
    const findings = checkManifests(objects).findings;
    expect(findings.map(f => `${f.ruleId} ${f.kind}/${f.name} ${f.pointer}`)).toEqual(['GS036 Deployment/chat-1-4-0 /spec/template']);
    expect(findings[0].message).toMatch(/^the pod template hashes to [0-9a-f]{12} but graceful-k8s.io\/template-hash records [0-9a-f]{12}, the template this release/);
  });
});

describe('through GracefulChecks on Included YAML', () => {
  test('the rainbow rules fail synth of a chart that includes a broken rainbow', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rainbow-'));
    const file = path.join(dir, 'chat.yaml');
    fs.writeFileSync(file, RAINBOW_YAML.replace('selector: { graceful-k8s.io/app: chat, graceful-k8s.io/release: 1-5-0 }', 'selector: { graceful-k8s.io/app: chat }'));
    const chart = Testing.chart();
    GracefulChecks.applyTo(chart);
    new Include(chart, 'chat', { url: file });
    expect(() => Testing.synth(chart)).toThrow(/\[GS033\] Service 'chat\/chat': selects the pods of 2 releases of 'chat'/);
    expect(GracefulChecks.check(chart).findings.map(f => f.ruleId)).toEqual(['GS033', 'GS034']);
  });
});
