/**
 * How a container waits, after its pod is deleted, for proxies to stop routing to it.
 *
 * The wait lasts `shutdown.preStopDelay`. Containers that already declare their own
 * `lifecycle.preStop` keep it; the budget then takes `shutdown.preStopDelay` as the delay
 * that hook declares.
 */
export class PreStop {
  /**
   * `exec: ["sleep", "<seconds>"]` inside the container.
   *
   * Works on every Kubernetes version, but needs a `sleep` binary in the image: in a
   * distroless or scratch image the hook fails at once and the delay is lost (spec 1.6).
   * Use `nativeSleep()` there.
   */
  public static sleepCommand(): PreStop {
    return new PreStop('exec');
  }

  /**
   * The kubelet's own `lifecycle.preStop.sleep` action: no binary needed in the image.
   *
   * Needs Kubernetes 1.30 or newer (beta, on by default; GA in 1.34): set
   * `kubernetesVersion` on the GracefulDeployment (spec 1.7).
   */
  public static nativeSleep(): PreStop {
    return new PreStop('sleep');
  }

  /**
   * An HTTP GET the kubelet sends to the app, which must answer only after
   * `shutdown.preStopDelay`, serving meanwhile.
   *
   * @param path the endpoint, e.g. '/prestop'
   * @param port the port; default: the container's first port
   */
  public static httpGet(path: string, port?: number): PreStop {
    if (!path.startsWith('/')) {
      throw new Error(`'PreStop.httpGet' path (${JSON.stringify(path)}) must start with '/'; e.g. PreStop.httpGet('/prestop')`);
    }
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`'PreStop.httpGet' port (${port}) must be a whole number from 1 to 65535`);
    }
    return new PreStop('httpGet', path, port);
  }

  private constructor(
    /** @internal */
    public readonly _kind: 'exec' | 'sleep' | 'httpGet',
    /** @internal */
    public readonly _path?: string,
    /** @internal */
    public readonly _port?: number) {}

  /**
   * The lifecycle handler for `seconds`, as JSON (the native sleep is not in the 1.27 types).
   *
   * @internal
   */
  public _render(seconds: number, containerPorts: number[]): any {
    switch (this._kind) {
      case 'exec':
        return { exec: { command: ['sleep', String(seconds)] } };
      case 'sleep':
        return { sleep: { seconds } };
      case 'httpGet': {
        const port = this._port ?? containerPorts[0];
        if (port === undefined) {
          throw new Error(`'PreStop.httpGet(${JSON.stringify(this._path)})' has no port and the container declares none; pass the port: PreStop.httpGet('${this._path}', 8080)`);
        }
        return { httpGet: { path: this._path, port } };
      }
    }
  }
}
