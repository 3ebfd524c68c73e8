/// <reference types="k6" />
// The two load shapes the scripts use, as k6 scenarios.

/**
 * Open model: `rate` new requests every second whatever the latency, as real users arrive.
 * Slow answers do not slow the load down. An arrival that finds no free VU is dropped (and
 * counted): k6 only then starts making another VU, too late for it. A script that may drop none
 * preallocates every VU it may need.
 */
export function arrivals(
  name: string,
  rate: number,
  seconds: number,
  maxVUs = 100,
  preAllocatedVUs = Math.min(20, maxVUs),
) {
  return {
    [name]: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: `${seconds}s`,
      preAllocatedVUs,
      maxVUs,
    },
  }
}

/** Closed model: `vus` clients, each sending its next request once the last one is answered. */
export function clients(name: string, vus: number, seconds: number) {
  return { [name]: { executor: 'constant-vus', vus, duration: `${seconds}s` } }
}
