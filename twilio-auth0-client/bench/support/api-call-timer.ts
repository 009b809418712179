// Times the function's calls to secure-api exactly (the function's own timings are whole
// milliseconds): request/response interceptors on the axios instance its ApiClient uses.
import axios from 'axios';

export class ApiCallTimer {
  private readonly started = new WeakMap<object, number>();
  private totalMs = 0;
  private calls = 0;

  constructor(private readonly apiBaseUrl: string) {
    axios.interceptors.request.use((config) => {
      if (config.url?.startsWith(this.apiBaseUrl)) this.started.set(config, performance.now());
      return config;
    });
    axios.interceptors.response.use((response) => {
      const startedAt = this.started.get(response.config);
      if (startedAt !== undefined) {
        this.totalMs += performance.now() - startedAt;
        this.calls += 1;
      }
      return response;
    });
  }

  /** Milliseconds spent in API calls, and their number, since the last take(). */
  take(): { ms: number; calls: number } {
    const taken = { ms: this.totalMs, calls: this.calls };
    this.totalMs = 0;
    this.calls = 0;
    return taken;
  }
}
