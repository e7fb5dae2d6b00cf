// Per-object traffic counters, named after the stats CSV columns they feed.
// Plain numeric fields updated in place on the hot path; rates are computed when read.

import { RateCounter, slidingAverage } from './rate.js';

/** Number of samples the qtime/ctime/rtime/ttime averages cover (HAProxy: last 1024). */
export const TIME_SAMPLES = 1024;

export class Counters {
  scur = 0;
  smax = 0;
  stot = 0;
  bin = 0;
  bout = 0;
  dreq = 0;
  dresp = 0;
  ereq = 0;
  econ = 0;
  eresp = 0;
  wretr = 0;
  wredis = 0;
  /** hrsp_1xx .. hrsp_5xx, hrsp_other */
  hrsp1xx = 0;
  hrsp2xx = 0;
  hrsp3xx = 0;
  hrsp4xx = 0;
  hrsp5xx = 0;
  hrspOther = 0;
  reqTot = 0;
  lbtot = 0;
  cliAbrt = 0;
  srvAbrt = 0;
  connTot = 0;
  intercepted = 0;
  qcur = 0;
  qmax = 0;
  /** Connections reused from the upstream pool (CSV `reuse`). */
  reuse = 0;
  /** Connection attempts to servers (CSV `connect`). */
  connect = 0;
  /** ms timestamp of the last session, 0 = never (CSV `lastsess`). */
  lastSess = 0;
  readonly sessRate = new RateCounter();
  readonly reqRate = new RateCounter();
  readonly connRate = new RateCounter();
  /** Averages in ms over the last TIME_SAMPLES samples. */
  qtime = 0;
  ctime = 0;
  rtime = 0;
  ttime = 0;
  /** Peaks of the timings above (CSV qtime_max..ttime_max). */
  qtimeMax = 0;
  ctimeMax = 0;
  rtimeMax = 0;
  ttimeMax = 0;
  private timeSamples = 0;

  sessionStart(nowMs: number): void {
    this.scur++;
    if (this.scur > this.smax) this.smax = this.scur;
    this.stot++;
    this.lastSess = nowMs;
    this.sessRate.hit(nowMs);
  }

  sessionEnd(): void {
    this.scur--;
  }

  countStatus(status: number): void {
    if (status >= 100 && status < 200) this.hrsp1xx++;
    else if (status < 300 && status >= 200) this.hrsp2xx++;
    else if (status < 400 && status >= 300) this.hrsp3xx++;
    else if (status < 500 && status >= 400) this.hrsp4xx++;
    else if (status < 600 && status >= 500) this.hrsp5xx++;
    else this.hrspOther++;
  }

  queued(): void {
    this.qcur++;
    if (this.qcur > this.qmax) this.qmax = this.qcur;
  }

  dequeued(): void {
    this.qcur--;
  }

  /** Record one request's timings (ms); -1 for a phase that did not happen is skipped like HAProxy. */
  recordTimes(qtime: number, ctime: number, rtime: number, ttime: number): void {
    const n = this.timeSamples < TIME_SAMPLES ? ++this.timeSamples : TIME_SAMPLES;
    if (qtime >= 0) this.qtime = slidingAverage(this.qtime, n, qtime);
    if (ctime >= 0) this.ctime = slidingAverage(this.ctime, n, ctime);
    if (rtime >= 0) this.rtime = slidingAverage(this.rtime, n, rtime);
    if (ttime >= 0) this.ttime = slidingAverage(this.ttime, n, ttime);
    if (qtime > this.qtimeMax) this.qtimeMax = qtime;
    if (ctime > this.ctimeMax) this.ctimeMax = ctime;
    if (rtime > this.rtimeMax) this.rtimeMax = rtime;
    if (ttime > this.ttimeMax) this.ttimeMax = ttime;
  }

  /** `clear counters`: peaks only. */
  clearMax(): void {
    this.smax = this.scur;
    this.qmax = this.qcur;
    this.sessRate.clearMax();
    this.reqRate.clearMax();
    this.connRate.clearMax();
  }

  /** `clear counters all`: everything except the live gauges. */
  clearAll(): void {
    const { scur, qcur } = this;
    Object.assign(this, new Counters());
    this.scur = scur;
    this.qcur = qcur;
    this.smax = scur;
    this.qmax = qcur;
  }
}
