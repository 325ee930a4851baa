/**
 * How a container waits, after its pod is deleted, for proxies to stop routing to it.
 *
 * The wait lasts the container's preStop delay (`shutdown.preStopDelay`, or its
 * `containerShutdown` entry). Containers that already declare their own `lifecycle.preStop`
 * keep it; a plain `sleep N` there is read as its delay, any other hook is budgeted with the
 * configured delay.
 *
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
 */
export class PreStop {
  /**
   * `exec: ["sleep", "<seconds>"]` inside the container.
   *
   * Works on every Kubernetes version, but needs a `sleep` binary in the image: in a
   * distroless or scratch image the hook fails at once and the delay is lost (spec 1.6).
   * Use `nativeSleep()` there.
   *
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  public static sleepCommand(): PreStop {
    return new PreStop('exec');
  }

  /**
   * The kubelet's own `lifecycle.preStop.sleep` action: no binary needed in the image.
   *
   * Needs Kubernetes 1.30 or newer (beta, on by default; GA in 1.34): set
   * `kubernetesVersion` on the workload (spec 1.7).
   *
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  public static nativeSleep(): PreStop {
    return new PreStop('sleep');
  }

  /**
   * An HTTP GET the kubelet sends to the app, which must answer only after the preStop
   * delay, serving meanwhile.
   *
   * @param path the endpoint, e.g. '/prestop'
   * @param port the port; default: the container's first port. It must be a port the container declares.
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  public static httpGet(path: string, port?: number): PreStop {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new Error(`'PreStop.httpGet' path (${JSON.stringify(path)}) must start with '/'; e.g. PreStop.httpGet('/prestop')`);
    }
    // semantics 7.4: an httpGet handler's port is 1-65535.
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(`'PreStop.httpGet' port (${port}) must be a whole number from 1 to 65535`);
    }
    return new PreStop('httpGet', path, port);
  }

  /**
   * Waits the preStop delay, then asks the server for its own graceful stop, then waits up to
   * the drain time for it to finish: `sh -c "sleep 15 && nginx -s quit && sleep 15"`.
   *
   * For servers whose graceful stop is not SIGTERM (nginx and OpenResty: `nginx -s quit`, i.e.
   * SIGQUIT; Apache httpd: `apachectl -k graceful-stop`, i.e. SIGWINCH) in images that do not
   * declare the matching `STOPSIGNAL`: there the kubelet's SIGTERM would stop the server at once
   * and cut requests in flight. The trailing wait keeps that SIGTERM from coming before the
   * graceful stop has finished; when the server exits first, the container stops with it (the
   * kubelet then records a FailedPreStopHook event, which is expected). Official `nginx`,
   * `nginxinc/nginx-unprivileged`, `openresty/openresty`, `httpd` and `php:*-apache` images
   * declare the right `STOPSIGNAL` and need only a sleep (spec 1.8). Needs `sh` and `sleep` in
   * the image.
   *
   * @param command the graceful stop, as plain words, e.g. `['nginx', '-s', 'quit']`
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  public static sleepThen(command: string[]): PreStop {
    if (!Array.isArray(command) || command.length === 0) {
      throw new Error(`'PreStop.sleepThen' command (${JSON.stringify(command)}) must be a non-empty list of words; e.g. PreStop.sleepThen(['nginx', '-s', 'quit'])`);
    }
    const bad = command.find(word => typeof word !== 'string' || word === '' || /[\s;&|`$<>(){}'"\\*?]/.test(word));
    if (bad !== undefined) {
      throw new Error(`'PreStop.sleepThen' command word (${JSON.stringify(bad)}) must be a plain word without spaces or shell syntax; `
        + 'put a script in the image and pass its path, e.g. PreStop.sleepThen([\'/usr/local/bin/graceful-stop\'])');
    }
    return new PreStop('sleepThen', undefined, undefined, [...command]);
  }

  private constructor(
    /** @internal */
    public readonly _kind: 'exec' | 'sleep' | 'httpGet' | 'sleepThen',
    /** @internal */
    public readonly _path?: string,
    /** @internal */
    public readonly _port?: number,
    /** @internal */
    public readonly _command?: string[]) {}

  /**
   * The lifecycle handler for a delay of `seconds` (and, for `sleepThen`, a drain of
   * `drainSeconds`), as JSON: the native sleep is not in the 1.27 types.
   *
   * @internal
   */
  public _render(seconds: number, containerPorts: number[], drainSeconds: number = 0): any {
    switch (this._kind) {
      case 'exec':
        return { exec: { command: ['sleep', String(seconds)] } };
      case 'sleep':
        return { sleep: { seconds } };
      case 'sleepThen': {
        // Read by the rules as "delay N, then graceful stop" (manifest/pre-stop-hook.ts).
        const wait = drainSeconds > 0 ? ` && sleep ${drainSeconds}` : '';
        return { exec: { command: ['sh', '-c', `sleep ${seconds} && ${this._command!.join(' ')}${wait}`] } };
      }
      case 'httpGet': {
        const port = this._port ?? containerPorts[0];
        if (port === undefined) {
          throw new Error(`'PreStop.httpGet(${JSON.stringify(this._path)})' has no port and the container declares none; pass the port: PreStop.httpGet('${this._path}', 8080)`);
        }
        return { httpGet: { path: this._path, port } };
      }
    }
  }

  /** How messages name the handler. @internal */
  public _describe(): string {
    switch (this._kind) {
      case 'exec': return 'PreStop.sleepCommand()';
      case 'sleep': return 'PreStop.nativeSleep()';
      case 'sleepThen': return `PreStop.sleepThen(${JSON.stringify(this._command)})`;
      case 'httpGet': return `PreStop.httpGet(${JSON.stringify(this._path)}${this._port !== undefined ? `, ${this._port}` : ''})`;
    }
  }
}
