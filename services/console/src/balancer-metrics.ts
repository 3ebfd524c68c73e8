// What nginx answered for the replicas and the object store, as Prometheus counters, from its
// access log. The lab's nginx (a static build, the same in both modes) has no stub_status, and
// this says more about balancing anyway: how many answers failed, and how many requests nginx
// had to send to a second upstream before one answered.
import type { Entry } from './access-log.ts'

const CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const

export class BalancerMetrics {
  private readonly byClass = new Map<string, number>(CLASSES.map((c) => [c, 0]))
  private retried = 0

  add(entry: Entry): void {
    const code = `${Math.floor(entry.status / 100)}xx`
    if (this.byClass.has(code)) this.byClass.set(code, (this.byClass.get(code) ?? 0) + 1)
    if (entry.attempts.length > 1) this.retried++
  }

  exposition(): string {
    return `${[
      '# HELP nginx_proxied_responses_total Answers nginx gave from an upstream or its cache, by status class, from its access log.',
      '# TYPE nginx_proxied_responses_total counter',
      ...CLASSES.map((code) => `nginx_proxied_responses_total{code="${code}"} ${this.byClass.get(code)}`),
      '# HELP nginx_proxied_retries_total Requests nginx sent to more than one upstream (the first failed), from its access log.',
      '# TYPE nginx_proxied_retries_total counter',
      `nginx_proxied_retries_total ${this.retried}`,
    ].join('\n')}\n`
  }
}
