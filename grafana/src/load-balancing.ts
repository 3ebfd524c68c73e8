// The "Load balancing" dashboard, as code. `make dashboards` writes the JSON Grafana loads
// (dashboards/load-balancing.json); a test fails if the committed JSON and this code differ,
// and another sends every query below to a live Prometheus.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard'
import { DashboardBuilder, QueryVariableBuilder, RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus'
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat'
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries'

export const DATASOURCE = { type: 'prometheus', uid: 'lb-lab-prometheus' }
export const DASHBOARD_UID = 'lb-lab-load-balancing'

/** Requests from the replicas' own histogram, without Prometheus's scrapes, for the chosen replicas. */
const APP = 'job=~"$job", replica=~"$replica", route!="/metrics"'

const query = (expr: string, legend: string) =>
  new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend)

const timeseries = (title: string, description: string, unit: string, ...targets: DataqueryBuilder[]) => {
  const panel = new TimeseriesPanel()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .height(8)
    .span(12)
  for (const target of targets) panel.withTarget(target)
  return panel
}

/** Zero instead of "no data" when a status never occurred: `or` the same series times 0. */
const orZero = (expr: string, zeroOf: string) => `(${expr}) or (${zeroOf}) * 0`

export function loadBalancingDashboard(): Dashboard {
  const byReplica = (fn: string) => `sum by (replica) (${fn})`
  const requests = `rate(http_request_duration_seconds_count{${APP}}[$__rate_interval])`
  const quantile = (q: number) =>
    query(
      `histogram_quantile(${q}, sum by (le, replica) (rate(http_request_duration_seconds_bucket{${APP}}[$__rate_interval])))`,
      `{{replica}} p${q * 100}`,
    )

  return new DashboardBuilder('Load balancing')
    .uid(DASHBOARD_UID)
    .tags(['lb-lab'])
    .description('How nginx spreads traffic over the replicas, and the state of what they depend on.')
    .refresh('5s')
    .time({ from: 'now-15m', to: 'now' })
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .datasource(DATASOURCE)
        .query('label_values(http_request_duration_seconds_count, job)')
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    )
    .withVariable(
      new QueryVariableBuilder('replica')
        .label('Replica')
        .datasource(DATASOURCE)
        .query('label_values(http_request_duration_seconds_count{job=~"$job"}, replica)')
        .multi(true)
        .includeAll(true)
        .allValue('.+'),
    )
    .withRow(new RowBuilder('Traffic'))
    .withPanel(
      timeseries(
        'Requests per replica',
        'Requests each replica answers per second. Kill or pause one (make kill s=app2) and watch the others take its share.',
        'reqps',
        query(byReplica(requests), '{{replica}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Share of traffic',
        'Each replica’s share of all requests (recording rule). With three healthy replicas and least_conn or round_robin, each is near 33%.',
        'percentunit',
        query('replica:http_requests:share1m{job=~"$job", replica=~"$replica"}', '{{replica}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Latency p50 / p95 / p99',
        'Response time percentiles per replica. A paused replica shows up here as nginx’s read timeout.',
        's',
        quantile(0.5),
        quantile(0.95),
        quantile(0.99),
      ),
    )
    .withPanel(
      timeseries(
        '5xx per second',
        'Server errors per replica: 503 when Redis or the primary is down (make stop s=redis).',
        'reqps',
        query(
          orZero(
            byReplica(
              `rate(http_request_duration_seconds_count{${APP}, status_code=~"5.."}[$__rate_interval])`,
            ),
            byReplica(requests),
          ),
          '{{replica}}',
        ),
      ),
    )
    .withRow(new RowBuilder('Health'))
    .withPanel(
      new StatPanel()
        .title('Targets up')
        .description(
          '1 when Prometheus can scrape the target. A killed replica turns 0 and fires ReplicaDown.',
        )
        .datasource(DATASOURCE)
        .height(6)
        .span(12)
        .withTarget(query('up{job=~"$job|nginx|haproxy|redis|postgres"}', '{{job}} {{replica}}')),
    )
    .withPanel(
      timeseries(
        'Balancer connections',
        'Client connections the balancer holds: nginx by state (stub_status, through the nginx exporter), HAProxy its front end’s current sessions (its own endpoint). Only the running engine’s series have data (LB_ENGINE).',
        'short',
        query('nginx_connections_active', 'nginx active'),
        query('nginx_connections_reading', 'nginx reading'),
        query('nginx_connections_writing', 'nginx writing'),
        query('nginx_connections_waiting', 'nginx waiting (keep-alive)'),
        query('haproxy_frontend_current_sessions{proxy="lab"}', 'HAProxy current sessions'),
      ),
    )
    .withRow(new RowBuilder('Dependencies'))
    .withPanel(
      timeseries(
        'Session store errors',
        'Failed Redis operations on session state, per replica and operation; Redis itself up (1) or not (0).',
        'short',
        query(
          'sum by (replica, operation) (increase(session_store_errors_total{replica=~"$replica"}[$__rate_interval]))',
          '{{replica}} {{operation}}',
        ),
        query('redis_up', 'redis up'),
      ),
    )
    .withPanel(
      timeseries(
        'Connection pools',
        'Postgres connections per replica and pool: total, idle, and requests waiting for one.',
        'short',
        query('pg_pool_connections{replica=~"$replica"}', '{{replica}} {{pool}} {{state}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Reads by server',
        'Where reads were answered: the replica, or the primary because the replica was behind the session’s last write or down.',
        'reqps',
        query(
          'sum by (served_by, reason) (rate(db_reads_total{replica=~"$replica"}[$__rate_interval]))',
          '{{served_by}} ({{reason}})',
        ),
      ),
    )
    .withPanel(
      timeseries(
        'Replication lag',
        'How far the read replica is behind the primary, as the replicas see it.',
        's',
        query('max by (replica) (pg_replica_lag_seconds{replica=~"$replica"})', '{{replica}}'),
      ),
    )
    .withRow(new RowBuilder('Media'))
    .withPanel(
      timeseries(
        'Object store',
        'Uploads to the object store as the replicas time them (p50, p99; errors per second), and the store itself up (1) or not (0).',
        's',
        query(
          'histogram_quantile(0.5, sum by (le) (rate(objectstore_request_duration_seconds_bucket{outcome="ok"}[$__rate_interval])))',
          'put p50',
        ),
        query(
          'histogram_quantile(0.99, sum by (le) (rate(objectstore_request_duration_seconds_bucket{outcome="ok"}[$__rate_interval])))',
          'put p99',
        ),
        query(
          orZero(
            'sum(rate(objectstore_request_duration_seconds_count{outcome="error"}[$__rate_interval]))',
            'sum(rate(objectstore_request_duration_seconds_count[$__rate_interval]))',
          ),
          'errors/s',
        ),
        query('up{job="objectstore"}', 'store up'),
      ),
    )
    .withPanel(
      timeseries(
        'Media cache hit ratio',
        'Share of /media/ responses nginx served from its cache (fresh, or stale with the store away), from its access log.',
        'percentunit',
        query(
          'sum(rate(nginx_media_cache_responses_total{cache=~"HIT|STALE|UPDATING|REVALIDATED"}[$__rate_interval])) / sum(rate(nginx_media_cache_responses_total[$__rate_interval]))',
          'hit ratio',
        ),
      ),
    )
    .build()
}
