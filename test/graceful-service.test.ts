import { Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertGracefulInvariants, only, synthError, synthValid } from './util';
import { GracefulDeployment, GracefulService, TrafficPath } from '../src';
import { checkManifests } from '../src/checks';

const image = 'ghcr.io/acme/api:1.4.2';
const probed = (): kplus.ContainerProps => ({
  image, portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready'),
});

describe('GracefulService', () => {
  test('defaults: ClusterIP, selects the pods, exposes their ports, never publishes not-ready addresses', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    new GracefulService(chart, 'svc', { workload: deployment });
    const objects = synthValid(chart);
    const service = only(objects, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ port: 8080, targetPort: 8080 }]);
    expect(service.spec.publishNotReadyAddresses).toBe(false);
    expect(service.spec.selector).toEqual(only(objects, 'Deployment').spec.selector.matchLabels);
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('exposed via Service and Ingress: snapshot', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const service = new GracefulService(chart, 'svc', { workload: deployment, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
    service.exposeViaIngress('/api');
    const objects = synthValid(chart);
    expect(objects).toMatchSnapshot();
    assertGracefulInvariants(objects);
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: only(objects, 'Service').metadata.name, port: { number: 80 } });
    expect(checkManifests(objects).findings).toEqual([]);
  });

  test('can configure type and ports', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    new GracefulService(chart, 'svc', { workload: deployment, type: kplus.ServiceType.LOAD_BALANCER, loadBalancerSourceRanges: ['10.0.0.0/8'] });
    const service = only(synthValid(chart), 'Service');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.loadBalancerSourceRanges).toEqual(['10.0.0.0/8']);
  });

  test('fronts a plain cdk8s-plus Deployment that has readiness probes', () => {
    const chart = Testing.chart();
    const deployment = new kplus.Deployment(chart, 'plain', { containers: [probed()] });
    new GracefulService(chart, 'svc', { workload: deployment });
    expect(only(synthValid(chart), 'Service').spec.publishNotReadyAddresses).toBe(false);
  });

  test('refuses to front a plain Deployment without a readiness probe', () => {
    const message = synthError(chart => {
      const deployment = new kplus.Deployment(chart, 'plain', { containers: [{ image, portNumber: 8080 }] });
      new GracefulService(chart, 'svc', { workload: deployment });
    });
    expect(message).toMatch(/GracefulService 'svc' refuses to front a workload that is not probed: \[GS001\] Deployment 'test-plain-[0-9a-f]+' container 'main': serves port\(s\) 8080 but has no readinessProbe.*Fix: add a readinessProbe/);
  });

  test('throws if the workload has no port and none is given', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'worker', { containers: [{ image, readiness: kplus.Probe.fromCommand(['true']) }] });
    expect(() => new GracefulService(chart, 'svc', { workload: deployment })).toThrow(
      "GracefulService 'svc': the workload 'worker' declares no container port and 'ports' is not set; add `portNumber` to its container or pass `ports: [{ port: 80, targetPort: 8080 }]`");
  });

  test('throws if several ports are unnamed', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [{ image, readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }), ports: [{ number: 8080 }, { number: 9090 }] }] });
    expect(() => new GracefulService(chart, 'svc', { workload: deployment })).toThrow(
      "GracefulService 'svc': 2 ports need a name each (got <unnamed>, <unnamed>); name the container ports or pass named 'ports'");
  });

  test('exposeViaIngress refuses an explicit preStop that does not cover the ingress lag', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()], shutdown: { preStopDelay: Duration.seconds(3) } });
    const service = new GracefulService(chart, 'svc', { workload: deployment });
    expect(() => service.exposeViaIngress('/')).toThrow(
      "GracefulService 'svc': the workload's preStop delay (3s) must cover ingress-nginx, which may send new requests for up to 5s after a pod's deletion "
      + '(one sync per 3.3 s (--sync-rate-limit 0.3) plus up to 1 s until every worker uses the new list: about 4.3 s (spec 5.2; ingress-nginx #3335)), '
      + "or pods stop accepting while requests still arrive; raise 'shutdown.preStopDelay' to at least 15s, or omit it to derive it from the traffic paths");
  });

  test('a longer ingress propagation delay raises the derived preStop and grace (deprecated option, kept working)', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const service = new GracefulService(chart, 'svc', { workload: deployment, ingressPropagationDelay: Duration.seconds(30) });
    service.exposeViaIngress('/');
    expect(deployment.shutdownBudget).toMatchObject({ preStopSeconds: 40, drainSeconds: 15, terminationGracePeriodSeconds: 60 });
    const objects = synthValid(chart);
    expect(only(objects, 'Deployment').spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    assertGracefulInvariants(objects);
  });

  test('peerDiscovery: a headless Service that publishes not-ready pods, for peers only', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const peers = new GracefulService(chart, 'peers', { workload: deployment, peerDiscovery: true });
    const service = only(synthValid(chart), 'Service');
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(peers.peerDiscovery).toBe(true);
    // A peer Service carries no client traffic: it adds no path to the budget and takes no Ingress.
    expect(deployment.trafficPathsInFront).toEqual([]);
    expect(() => peers.exposeViaIngress('/')).toThrow("GracefulService 'peers' is a peer-discovery Service (headless, publishing not-ready pods); expose a client GracefulService of the same workload instead");
    expect(() => new GracefulService(chart, 'bad', { workload: deployment, peerDiscovery: true, trafficPaths: [TrafficPath.ingressNginx()] })).toThrow(
      "GracefulService 'bad': 'peerDiscovery' makes a headless Service for peers; it takes no 'trafficPaths' or 'type'. Give clients a second GracefulService");
  });

  test('fronts a plain cdk8s-plus StatefulSet only if it is probed', () => {
    const message = synthError(chart => {
      const sts = new kplus.StatefulSet(chart, 'plain', { containers: [{ image, portNumber: 8080 }] });
      new GracefulService(chart, 'svc', { workload: sts });
    });
    expect(message).toMatch(/GracefulService 'svc' refuses to front a workload that is not probed: \[GS001\] StatefulSet 'test-plain-[0-9a-f]+' container 'main'/);
  });

  test('addIngress can name the Ingress', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const service = new GracefulService(chart, 'svc', { workload: deployment, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
    service.addIngress('/', { name: 'shop' });
    expect(only(synthValid(chart), 'Ingress').metadata.name).toBe('shop');
  });

  test('addIngress refuses a name the API server rejects, or one for an Ingress it does not create', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const service = new GracefulService(chart, 'svc', { workload: deployment, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
    expect(() => service.addIngress('/', { name: 'Shop' })).toThrow(
      "GracefulService 'svc': 'addIngress' name (\"Shop\") must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters; e.g. 'shop', "
      + 'or leave it out for a name derived from the construct path');
    expect(() => service.addIngress('/', { name: 'shop', ingress: new kplus.Ingress(chart, 'own') })).toThrow(
      "GracefulService 'svc': 'addIngress' name (\"shop\") names the Ingress it creates, but 'ingress' is given; name that Ingress instead");
  });

  test('addIngress takes a host, TLS and the ingress class', () => {
    const chart = Testing.chart();
    const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
    const service = new GracefulService(chart, 'svc', { workload: deployment, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
    service.addIngress('/', { host: 'shop.example.com', tlsSecret: kplus.Secret.fromSecretName(chart, 'tls', 'shop-tls') });
    const ingress = only(synthValid(chart), 'Ingress');
    expect(ingress.spec).toMatchObject({ ingressClassName: 'nginx', tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }] });
    expect(ingress.spec.rules[0].host).toBe('shop.example.com');
  });

  describe('Ingresses a real port needs: the class kept, annotations, the ALB health check', () => {
    test('a given Ingress without a class gets the class the preStop is budgeted for', () => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      const service = new GracefulService(chart, 'svc', { workload: deployment });
      const ingress = new kplus.Ingress(chart, 'shared');
      service.addIngress('/api', { ingress, className: 'alb' });
      const objects = synthValid(chart);
      expect(only(objects, 'Ingress').spec.ingressClassName).toBe('alb');
      expect(only(objects, 'Deployment').spec.template.spec.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '60']);
    });

    test('a given Ingress keeps its own class and chooses the traffic path by it', () => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      const service = new GracefulService(chart, 'svc', { workload: deployment });
      service.addIngress('/api', { ingress: new kplus.Ingress(chart, 'shared', { className: 'alb' }) });
      const objects = synthValid(chart);
      expect(only(objects, 'Ingress').spec.ingressClassName).toBe('alb');
      expect(only(objects, 'Service').metadata.annotations['alb.ingress.kubernetes.io/target-type']).toBe('ip');
    });

    test('a class beside a given Ingress of another class is refused', () => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      const service = new GracefulService(chart, 'svc', { workload: deployment });
      expect(() => service.addIngress('/api', { ingress: new kplus.Ingress(chart, 'shared', { className: 'nginx' }), className: 'alb' }))
        .toThrow("GracefulService 'svc': 'addIngress' className (\"alb\") differs from the class of the given 'ingress' (\"nginx\"); pass the same class, "
          + "or leave 'className' out to use the Ingress's own");
    });

    test('annotations go on the Ingress; values must be strings', () => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      const service = new GracefulService(chart, 'svc', { workload: deployment });
      service.addIngress('/api', { className: 'alb', annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]' } });
      expect(only(synthValid(chart), 'Ingress').metadata.annotations).toEqual({
        'alb.ingress.kubernetes.io/scheme': 'internet-facing', 'alb.ingress.kubernetes.io/listen-ports': '[{"HTTPS":443}]',
      });
      expect(() => service.addIngress('/other', { annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': 3600 as any } }))
        .toThrow("GracefulService 'svc': 'addIngress' annotations ({\"nginx.ingress.kubernetes.io/proxy-read-timeout\":3600}) must map names to strings");
    });

    test.each([
      ['the readiness path on the traffic port', kplus.Probe.fromHttpGet('/ready'), { 'alb.ingress.kubernetes.io/healthcheck-path': '/ready' }],
      ['a probe on another port', kplus.Probe.fromHttpGet('/healthz', { port: 9090 }),
        { 'alb.ingress.kubernetes.io/healthcheck-path': '/healthz', 'alb.ingress.kubernetes.io/healthcheck-port': '9090' }],
    ])('the ALB health check follows the readiness probe: %s', (_name, readiness, expected) => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [{ image, portNumber: 8080, readiness }] });
      new GracefulService(chart, 'svc', { workload: deployment, trafficPaths: [TrafficPath.awsAlb()] });
      const annotations = only(synthValid(chart), 'Service').metadata.annotations;
      expect(Object.fromEntries(Object.entries(annotations).filter(([k]) => k.includes('healthcheck')))).toEqual(expected);
    });

    test('an ALB health-check annotation given in props wins', () => {
      const chart = Testing.chart();
      const deployment = new GracefulDeployment(chart, 'api', { containers: [probed()] });
      new GracefulService(chart, 'svc', {
        workload: deployment, trafficPaths: [TrafficPath.awsAlb()], metadata: { annotations: { 'alb.ingress.kubernetes.io/healthcheck-path': '/livez' } },
      });
      expect(only(synthValid(chart), 'Service').metadata.annotations['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/livez');
    });
  });
});
