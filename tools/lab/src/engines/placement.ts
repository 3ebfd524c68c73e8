// Where things are for a balancer engine, per run mode: the same placement for nginx and HAProxy.
import { dirname, join } from 'node:path'
import type { LabEnv } from '../env.ts'
import { devCertificate, logFile, repoRoot } from '../paths.ts'
import type { RoutedSet } from '../sets/index.ts'
import {
  CONSOLE_CONTAINER_PORT,
  CONSOLE_CONTAINER_SYSLOG_PORT,
  DOCKER_FRONTEND_HOSTS,
  dockerAddress,
  dockerBackendAddress,
  LOCALHOST,
  nativeReplicas,
  OBJECTSTORE_CONTAINER_PORT,
  type ReplicaAddress,
  replicaSet,
  SET_NAMES,
} from '../topology.ts'

/** A replica set as the balancer serves it: its row (the part rendering needs) and its replicas. */
export interface SetServers {
  set: RoutedSet & { label: string }
  servers: ReplicaAddress[]
}

/**
 * What differs between run modes, for a balancer engine: where things are, never how it behaves
 * (each engine's config.ts makes one per mode).
 */
export interface Placement {
  httpListen: string
  /** Where the engine's own files are (its modules, MIME types): natively its unpacked package, '' in its image. */
  engineRoot: string
  httpsListen: string
  statusListen: string
  /** Who may read its status page on statusListen (the exporter's address, or `all` on a private network). */
  statusAllow: string
  /** Each replica set (sets/index.ts), with where its replicas are. */
  sets: SetServers[]
  /**
   * The DNS server the engine asks itself, again and again, for a set whose replicas come and go
   * under one name (a server with `resolve`: Kubernetes). Absent: every address is fixed.
   */
  resolver?: string
  /** Where the rendered files live (lb.conf includes app-locations.inc from there). */
  confDir: string
  accessLog: string
  /**
   * Natively, where an engine that cannot append to a file sends its access log instead (the
   * log-keeper's UDP port: HAProxy clears O_APPEND on its log file); absent: stdout.
   */
  accessLogSyslog?: string
  tlsCert: string
  tlsKey: string
  staticRoot: string
  pidFile: string
  tempDir: string
  /** Where the engine's own tools in its container reach its runtime API (none natively: a socket in tempDir). */
  runtimeLoopbackPort?: number
  /** The object store's S3 address, which /media/ reads (through the balancer's cache). */
  objectStore: string
  /** Clients never rate-limited: the lab's own load generators and tests. */
  rateLimitExempt: string[]
  /**
   * Kubernetes mode: the listener the Gateway's requests come to (no host port publishes it),
   * and the addresses allowed there to name the client in X-Forwarded-For (the pod network, where
   * the Gateway's pods are). Elsewhere the engine is the edge: the peer is the client.
   */
  gateway?: { listen: string; forwardedBy: string[] }
  /** The lab console's HTTP address, and where nginx sends it the access log (UDP syslog). */
  console: string
  consoleSyslog: string
  /** The tag the console knows nginx's own access log lines by (ensureSyslogTag). */
  consoleSyslogTag: string
}

/** Native mode: every service on 127.0.0.1, files under the lab's state folder. */
export function nativePlacement(
  env: LabEnv,
  engine: string,
  stateDir: string,
  confDir: string,
  consoleSyslogTag: string,
  engineRoot = '',
): Placement {
  return {
    engineRoot,
    httpListen: `${LOCALHOST}:${env.port('NGINX_HTTP_PORT')}`,
    httpsListen: `${LOCALHOST}:${env.port('NGINX_HTTPS_PORT')}`,
    statusListen: `${LOCALHOST}:${env.port('NGINX_STATUS_PORT')}`,
    statusAllow: LOCALHOST,
    sets: SET_NAMES.map((name) => ({ set: replicaSet(name), servers: nativeReplicas(env, name) })),
    confDir,
    // The file the engine's own log (its stderr) goes to, as both go to one stream in Docker
    // mode: `lab logs nginx` shows them interleaved, and the log-keeper caps one file.
    accessLog: logFile(engine),
    accessLogSyslog: `${LOCALHOST}:${env.port('LOG_KEEPER_SYSLOG_PORT')}`,
    tlsCert: devCertificate(),
    tlsKey: join(dirname(devCertificate()), 'key.pem'),
    staticRoot: join(repoRoot, 'static'),
    pidFile: join(stateDir, 'nginx.pid'),
    tempDir: join(stateDir, 'tmp'),
    rateLimitExempt: env.list('RATE_LIMIT_EXEMPT'),
    objectStore: `${LOCALHOST}:${env.port('OBJECTSTORE_S3_PORT')}`,
    console: `${LOCALHOST}:${env.port('CONSOLE_PORT')}`,
    consoleSyslog: `${LOCALHOST}:${env.port('CONSOLE_SYSLOG_PORT')}`,
    consoleSyslogTag,
  }
}

/** Docker mode: where the balancer's container mounts the config service's volume. */
/** Kubernetes mode: the balancer's port for the Gateway (k8s/base/balancer.yaml's Service port `gateway`). */
export const GATEWAY_CONTAINER_PORT = 8082

export const DOCKER_BALANCER_DIR = '/etc/lab/balancer'

/** In the balancer's container, in Docker mode and on Kubernetes alike. */
const IN_CONTAINER = {
  engineRoot: '',
  httpListen: '*:8080',
  httpsListen: '*:8443',
  // Reachable inside the lab's network only (never published); the exporter is there.
  statusListen: '*:8081',
  statusAllow: 'all',
  confDir: DOCKER_BALANCER_DIR,
  staticRoot: '/srv/static',
  pidFile: '/tmp/balancer.pid',
  tempDir: '/tmp',
  runtimeLoopbackPort: 9999,
} as const

/**
 * Docker mode: fixed addresses on Compose's networks (see topology.ts), the replicas where
 * Docker's DNS says they are (modes/docker/replicas.ts), the paths compose.yaml mounts.
 */
export function dockerPlacement(
  env: LabEnv,
  replicas: Record<string, ReplicaAddress[]>,
  consoleSyslogTag: string,
): Placement {
  const frontend = (host: number) => `${dockerAddress(env.get('DOCKER_FRONTEND_NET'), host)}/32`
  return {
    ...IN_CONTAINER,
    sets: SET_NAMES.map((name) => ({ set: replicaSet(name), servers: replicas[name] ?? [] })),
    accessLog: '/var/log/nginx/access.log',
    tlsCert: `${DOCKER_BALANCER_DIR}/tls/cert.pem`,
    tlsKey: `${DOCKER_BALANCER_DIR}/tls/key.pem`,
    // This machine's own clients reach the published ports through Docker's gateway; k6 runs
    // in its container, the console's load generator in its own. RATE_LIMIT_EXEMPT (127.0.0.1)
    // means nothing on a Docker network.
    rateLimitExempt: [
      frontend(DOCKER_FRONTEND_HOSTS.gateway),
      frontend(DOCKER_FRONTEND_HOSTS.k6),
      `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}/32`,
    ],
    objectStore: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'objectstore')}:${OBJECTSTORE_CONTAINER_PORT}`,
    console: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}:${CONSOLE_CONTAINER_PORT}`,
    consoleSyslog: `${dockerBackendAddress(env.get('DOCKER_BACKEND_NET'), 'console')}:${CONSOLE_CONTAINER_SYSLOG_PORT}`,
    consoleSyslogTag,
  }
}

/** Kubernetes mode: what the lab learns from the cluster before it renders (modes/k8s/cluster.ts). */
export interface ClusterFacts {
  /** The cluster DNS Service's address (kube-system/kube-dns). */
  dns: string
  /** The cluster's DNS domain (cluster.local unless the cluster was made otherwise). */
  domain: string
  /** Where this machine's clients reach the balancer from, as the balancer sees them. */
  clients: string[]
  /** The pods' address ranges, one per node (its podCIDR). */
  podCidrs: string[]
}

/**
 * Kubernetes mode: the balancer's pod mounts its rendered files where Docker's container does;
 * each set's replicas are its headless Service's addresses, resolved while the engine runs; every
 * other service is its Service's name (a stable address of its own, unlike Docker's DNS names).
 */
export function k8sPlacement(namespace: string, cluster: ClusterFacts, consoleSyslogTag: string): Placement {
  return {
    ...IN_CONTAINER,
    accessLog: '/dev/stdout',
    consoleSyslogTag,
    resolver: cluster.dns,
    sets: SET_NAMES.map((name) => ({
      set: replicaSet(name),
      servers: [
        {
          name: `${name} pods`,
          address: `${name}-pods.${namespace}.svc.${cluster.domain}:${replicaSet(name).containerPort}`,
          resolve: true,
        },
      ],
    })),
    // The Secret's tls.crt and tls.key, mounted under the names both engines' configs load.
    tlsCert: '/etc/lab/tls/cert.pem',
    tlsKey: '/etc/lab/tls/key.pem',
    rateLimitExempt: cluster.clients.map((ip) => `${ip}/32`),
    gateway: { listen: `*:${GATEWAY_CONTAINER_PORT}`, forwardedBy: cluster.podCidrs },
    objectStore: `objectstore:${OBJECTSTORE_CONTAINER_PORT}`,
    // The console runs beside the engine, in its pod.
    console: `${LOCALHOST}:${CONSOLE_CONTAINER_PORT}`,
    consoleSyslog: `${LOCALHOST}:${CONSOLE_CONTAINER_SYSLOG_PORT}`,
  }
}
