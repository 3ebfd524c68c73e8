import type { RoutedSet } from '../sets/index.ts'
import type { ReplicaAddress } from '../topology.ts'

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
  httpsListen: string
  statusListen: string
  /** Who may read its status page on statusListen (the exporter's address, or `all` on a private network). */
  statusAllow: string
  /** Each replica set (sets/index.ts), with where its replicas are. */
  sets: SetServers[]
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
  /** The object store's S3 address, which /media/ reads (through the balancer's cache). */
  objectStore: string
  /** Clients never rate-limited: the lab's own load generators and tests. */
  rateLimitExempt: string[]
  /** The lab console's HTTP address, and where nginx sends it the access log (UDP syslog). */
  console: string
  consoleSyslog: string
  /** The tag the console knows nginx's own access log lines by (ensureSyslogTag). */
  consoleSyslogTag: string
}
