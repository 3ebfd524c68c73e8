// Prometheus and the exporters it scrapes besides the replicas (nginx, Redis, Postgres).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabEnv } from '../../../env.ts'
import { serviceDir } from '../../../paths.ts'
import { httpOk } from '../../../probes.ts'
import { nativePrometheus, renderPrometheus } from '../../../prometheus-config.ts'
import { LOCALHOST } from '../../../topology.ts'
import { bin, ensureDir, runChecked, type Service } from './service.ts'

export function prometheus(env: LabEnv): Service {
  const port = env.port('PROMETHEUS_PORT')
  const dir = serviceDir('prometheus')
  const conf = join(dir, 'prometheus.yml')
  return {
    name: 'prometheus',
    dependsOn: [],
    port,
    binaries: ['prometheus', 'promtool'],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 10_000,
    startTimeoutMs: 30_000,
    async prepare() {
      ensureDir(join(dir, 'data'))
      const rendered = renderPrometheus(nativePrometheus(env))
      if (existsSync(conf) && readFileSync(conf, 'utf8') === rendered) return false
      const candidate = `${conf}.candidate`
      writeFileSync(candidate, rendered)
      // Checks the rule files too.
      await runChecked('prometheus', 'promtool check config', bin('promtool'), ['check', 'config', candidate])
      renameSync(candidate, conf)
      return true
    },
    command: () => ({
      command: bin('prometheus'),
      args: [
        `--config.file=${conf}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${LOCALHOST}:${port}`,
      ],
      env: {},
      cwd: dir,
    }),
    healthy: () => httpOk(`http://${LOCALHOST}:${port}/-/ready`),
    async reload(pid) {
      process.kill(pid, 'SIGHUP')
    },
    url: `http://${LOCALHOST}:${port}`,
  }
}

/** A Prometheus exporter: one process, healthy once its own metrics say it reaches its target. */
function exporter(
  env: LabEnv,
  spec: { name: string; portKey: string; binary: string; dependsOn: string; upMetric: string },
  args: (listen: string) => string[],
  secrets: Record<string, string> = {},
): Service {
  const port = env.port(spec.portKey)
  const listen = `${LOCALHOST}:${port}`
  return {
    name: spec.name,
    dependsOn: [spec.dependsOn],
    port,
    binaries: [spec.binary],
    stopSignal: 'SIGTERM',
    stopTimeoutMs: 5000,
    startTimeoutMs: 15_000,
    // Secrets through the environment, not flags: flags show in `ps`.
    command: () => ({
      command: bin(spec.binary),
      args: args(listen),
      env: secrets,
      cwd: serviceDir(spec.name),
    }),
    healthy: async () => {
      try {
        const text = await (
          await fetch(`http://${listen}/metrics`, { signal: AbortSignal.timeout(1000) })
        ).text()
        return new RegExp(`^${spec.upMetric}(\\{[^}]*\\})? 1$`, 'm').test(text)
      } catch {
        return false
      }
    },
    url: `http://${listen}/metrics`,
  }
}

/** nginx's exporter (stub_status): nginx's companion, which HAProxy (its own endpoint) needs not. */
export function nginxExporter(env: LabEnv): Service {
  return exporter(
    env,
    {
      name: 'nginx-exporter',
      portKey: 'NGINX_EXPORTER_PORT',
      binary: 'prometheus-nginx-exporter',
      dependsOn: 'nginx',
      upMetric: 'nginx_up',
    },
    (listen) => [
      `-nginx.scrape-uri=http://${LOCALHOST}:${env.port('NGINX_STATUS_PORT')}/stub_status`,
      `-web.listen-address=${listen}`,
    ],
  )
}

export function exporters(env: LabEnv): Service[] {
  const pgMonitor = `postgresql://${encodeURIComponent(env.get('PG_MONITOR_USER'))}:${encodeURIComponent(
    env.get('PG_MONITOR_PASSWORD'),
  )}@${LOCALHOST}:${env.port('PG_PRIMARY_PORT')}/postgres?sslmode=disable`
  return [
    exporter(
      env,
      {
        name: 'redis-exporter',
        portKey: 'REDIS_EXPORTER_PORT',
        binary: 'prometheus-redis-exporter',
        dependsOn: 'redis',
        upMetric: 'redis_up',
      },
      (listen) => [
        `-redis.addr=redis://${LOCALHOST}:${env.port('REDIS_PORT')}`,
        `-web.listen-address=${listen}`,
      ],
      { REDIS_PASSWORD: env.get('REDIS_PASSWORD') },
    ),
    exporter(
      env,
      {
        name: 'postgres-exporter',
        portKey: 'POSTGRES_EXPORTER_PORT',
        binary: 'prometheus-postgres-exporter',
        dependsOn: 'pg-primary',
        upMetric: 'pg_up',
      },
      (listen) => [`--web.listen-address=${listen}`],
      { DATA_SOURCE_NAME: pgMonitor },
    ),
  ]
}
