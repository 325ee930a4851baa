// Refusals at synth of what the API server would store wrongly, or what cannot do what the
// options say (issue 19.1): each with the option, the value and the fix.
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { synthError } from './util';
import {
  GracefulChecks, GracefulDeployment, GracefulDeploymentProps, KubernetesVersion, RainbowDeployment, RainbowRelease, RainbowScaleToZero,
  ReleaseState, StopSignal, TrafficPath,
} from '../src';

const web = (): kplus.ContainerProps => ({ image: 'ghcr.io/acme/api:1.4.2', portNumber: 8080, readiness: kplus.Probe.fromHttpGet('/ready') });
const deployment = (chart: Chart, id: string, props: Partial<GracefulDeploymentProps> = {}) =>
  new GracefulDeployment(chart, id, { containers: [web()], replicas: 2, ...props });
const stopSignalsOn = KubernetesVersion.of('1.33').withFeatureGates('ContainerStopSignals');

describe('Durations that are not numbers get the option, not cdk8s\'s conversion error', () => {
  test.each([
    ['TrafficPath.custom propagationDelay NaN', () => TrafficPath.custom({ name: 'F5', propagationDelay: Duration.seconds(NaN) }),
      "TrafficPath.custom 'propagationDelay' (NaN) must be a finite Duration of 0s or more; pass e.g. Duration.seconds(20)"],
    ['TrafficPath.custom preStopDelay Infinity', () => TrafficPath.custom({ name: 'F5', propagationDelay: Duration.seconds(5), preStopDelay: Duration.seconds(Infinity) }),
      "TrafficPath.custom 'preStopDelay' (Infinity) must be a positive, finite Duration"],
    ['TrafficPath.awsNlb propagationDelay NaN', () => TrafficPath.awsNlb({ propagationDelay: Duration.seconds(NaN) }),
      "TrafficPath.awsNlb 'propagationDelay' (NaN) must be a positive, finite Duration; pass e.g. Duration.seconds(20)"],
    ['TrafficPath.headlessDns cacheTime NaN', () => TrafficPath.headlessDns({ cacheTime: Duration.minutes(NaN) }),
      "TrafficPath.headlessDns 'cacheTime' (NaN) must be a positive, finite Duration"],
    ['RainbowScaleToZero cooldown NaN', () => RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'sum(x{release="{{release}}"})', cooldown: Duration.seconds(NaN) }),
      "'cooldown' (NaN) must be a finite Duration of at least 0s; pass e.g. Duration.seconds(30)"],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
    expect(build).not.toThrow(/cannot be converted/);
  });

  test('RainbowDeployment drainFor NaN', () => {
    const message = synthError(chart => new RainbowDeployment(chart, 'chat', {
      container: web(),
      releases: [RainbowRelease.fromImage('ghcr.io/acme/chat:1.5.0', ReleaseState.ACTIVE)],
      scaleToZero: RainbowScaleToZero.prometheus({ serverAddress: 'http://p:9090', query: 'sum(x{release="{{release}}"})' }),
      drainFor: Duration.hours(NaN),
    }));
    expect(message).toContain("'drainFor' (NaN) must be a positive, finite Duration, e.g. Duration.hours(2)");
  });
});

describe('a stop signal no program can catch, with a drain budgeted', () => {
  test.each(['SIGKILL', 'SIGSTOP'])('%s is refused: the container would drain nothing', signal => {
    const build = () => deployment(Testing.chart(), 'api', { kubernetesVersion: stopSignalsOn, containerShutdown: { main: { stopSignal: StopSignal.of(signal) } } });
    expect(build).toThrow(`'containerShutdown.main.stopSignal' (${signal}) cannot be caught: the container stops at once and finishes no request in flight, `
      + 'yet it is given a drain of shutdown.drainTimeout. Fix: use the signal the app stops gracefully on (StopSignal.SIGTERM, or StopSignal.SIGQUIT for nginx), '
      + "or set 'containerShutdown.main.drainTimeout: Duration.seconds(0)' if it may stop at once");
  });

  test('a sidecar\'s own default drain counts', () => {
    const build = () => deployment(Testing.chart(), 'api', {
      kubernetesVersion: stopSignalsOn,
      sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', shutdown: { stopSignal: StopSignal.of('SIGKILL') } }],
    });
    expect(build).toThrow("'sidecars[0].shutdown.stopSignal' (SIGKILL) cannot be caught");
    expect(build).toThrow('yet it is given a drain of 5s (the default)');
  });

  test('with no drain (drainTimeout 0) it is what the user asked for', () => {
    const chart = Testing.chart();
    deployment(chart, 'api', { kubernetesVersion: stopSignalsOn, containerShutdown: { main: { stopSignal: StopSignal.of('SIGKILL'), drainTimeout: Duration.seconds(0) } } });
    const [d] = Testing.synth(chart);
    expect(d.spec.template.spec.containers[0].lifecycle.stopSignal).toBe('SIGKILL');
  });
});

describe('a derived grace period is held to the bound of an explicit one', () => {
  test('headless DNS cached for two days: refused, naming the path', () => {
    const message = synthError(chart => deployment(chart, 'api', { trafficPaths: [TrafficPath.headlessDns({ cacheTime: Duration.days(2) })] }));
    expect(message).toContain("'terminationGracePeriod' (derived: preStop 172805s + drain 15s + margin 5s = 172825s) is more than a day (86400s), the most an explicit one may be");
    expect(message).toContain("Fix: shorten the traffic path's delay (headless Service (DNS) (propagation delay 172800s)), 'shutdown.preStopDelay' or 'shutdown.drainTimeout'");
  });

  test('an hour of DNS cache is allowed (with the autoscaler warning, not a refusal)', () => {
    const chart = Testing.chart();
    deployment(chart, 'api', { trafficPaths: [TrafficPath.headlessDns({ cacheTime: Duration.hours(1) })] });
    expect(Testing.synth(chart)[0].spec.template.spec.terminationGracePeriodSeconds).toBe(3600 + 5 + 15 + 5);
  });
});

describe('two objects of one chart with one kind, namespace and name', () => {
  test('two GracefulDeployments named alike are refused with both paths', () => {
    const message = synthError(chart => {
      deployment(chart, 'blue', { metadata: { name: 'api' } });
      deployment(chart, 'green', { metadata: { name: 'api' } });
    });
    expect(message).toContain("2 objects of the chart are Deployment 'api' (test/blue/Resource, test/green/Resource): the API server keeps one object per kind, "
      + 'namespace and name, so `kubectl apply` writes one over the other (or fails "field is immutable"). Fix: give each its own metadata.name, '
      + 'or leave the name out for cdk8s to make a unique one');
    // Once per chart, not once per workload.
    expect(message.match(/objects of the chart are/g)).toHaveLength(1);
  });

  test('a plain object named like a graceful workload\'s own is caught too', () => {
    const message = synthError(chart => {
      deployment(chart, 'api', { metadata: { name: 'api' } });
      new kplus.Deployment(chart, 'legacy', { metadata: { name: 'api' }, containers: [web()] });
    });
    expect(message).toContain("2 objects of the chart are Deployment 'api'");
  });

  test('other namespaces, other kinds and other charts (one per environment) are not the same object', () => {
    const app = Testing.app();
    const prod = new Chart(app, 'prod', { namespace: 'prod' });
    const staging = new Chart(app, 'staging', { namespace: 'prod' });
    deployment(prod, 'api', { metadata: { name: 'api' } });
    deployment(prod, 'api-other-ns', { metadata: { name: 'api', namespace: 'canary' } });
    deployment(staging, 'api', { metadata: { name: 'api' } });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('warningsAsErrors covers the graceful workloads\' own warnings', () => {
  test('GS009 of a one-replica GracefulDeployment fails synth under GracefulChecks({ warningsAsErrors: true })', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new Chart(app, 'test');
    GracefulChecks.applyTo(chart, { warningsAsErrors: true });
    new GracefulDeployment(chart, 'api', { containers: [web()], replicas: 1 });
    expect(() => app.synth()).toThrow(/\[GS009\] Deployment '[^']+': replicas is 1/);
  });

  test('without it the warning is printed once and synth passes', () => {
    const chart = Testing.chart();
    GracefulChecks.applyTo(chart);
    new GracefulDeployment(chart, 'api', { containers: [web()], replicas: 1 });
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
