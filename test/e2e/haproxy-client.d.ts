// Types for the npm `haproxy` client (observing/haproxy 0.3.0), the calls the tests use.
declare module 'haproxy' {
  type Callback<T> = (err: Error | null | undefined, result: T) => void;
  class HAProxy {
    constructor(socket: string);
    stat(iid: number, type: number, sid: number, fn: Callback<Record<string, string>[]>): unknown;
    info(fn: Callback<Record<string, string | number>>): unknown;
    disable(backend: string, server: string, fn: Callback<unknown>): unknown;
    enable(backend: string, server: string, fn: Callback<unknown>): unknown;
    weight(backend: string, server: string, fn: Callback<{ current: number; initial: number }>): unknown;
    weight(backend: string, server: string, weight: number, fn: Callback<unknown>): unknown;
  }
  export default HAProxy;
}
