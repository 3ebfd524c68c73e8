// What a balancer engine is to the lab: nginx (engines/nginx/) or HAProxy
// (engines/haproxy/), as LB_ENGINE says (engines/index.ts). A run mode
// renders an engine's config, tests it, runs it and reloads it through this, never by its name.
import type { LabEnv } from '../env.ts'
import type { Placement } from './placement.ts'

export interface BalancerEngine {
  name: string
  /** The binaries it needs natively (system.ts installs the missing ones). */
  binaries: string[]
  /** Where its own binary is natively (found on the path, or built once). */
  nativeBinary(): string
  /**
   * Natively, the folder its package is unpacked into, that its config loads files from (nginx's
   * modules and MIME types); absent for an engine that is one binary.
   */
  nativeRoot?(): string
  /**
   * Its config for a placement: file name to content, and the version its health path reports
   * once it runs that config. A replica in LB_DRAINED is rendered out of rotation (drained):
   * rollouts and scale-ins drain that way.
   */
  render(env: LabEnv, placement: Placement): { files: Map<string, string>; version: string }
  /** Folders of the engine's own files, placed beside the rendered ones (included as they are). */
  sharedDirs: readonly string[]
  /** Its arguments to check a rendered config without running it, and to run it in the foreground. */
  testArgs(prefix: string, confDir: string): string[]
  runArgs(prefix: string, confDir: string): string[]
  /** The signal to load a changed config in place, finishing what it has; the one to stop gracefully. */
  reloadSignal: NodeJS.Signals
  stopSignal: NodeJS.Signals
  /**
   * What an old worker's process title says once it has stopped accepting, after a reload (none:
   * the lab waits, bounded, for it to exit).
   */
  retiringTitle?: string
  /**
   * Its runtime API, where it has one: the commands that take replicas of a set out of rotation
   * at once (new requests go elsewhere, the ones they hold finish), without a reload; and where
   * the API listens for a placement (natively a Unix socket; in a container, a port on its own
   * loopback). Without it, the lab drains by reloading with LB_DRAINED.
   */
  runtimeDrain?: {
    commands(set: string, replicas: string[]): string[]
    socket(placement: Placement): { path: string } | { port: number }
  }
  /**
   * Its helpers besides itself: Docker mode's Compose services of its profile, and the containers
   * of the balancer's pod on Kubernetes (k8s/base/balancer.yaml), named alike (nginx's exporter).
   */
  companions?: string[]
  /**
   * In a container (Kubernetes mode; compose.yaml names the same image): its image, and the
   * memory it may use: what it keeps in memory (a cache held there counts) and room to work.
   */
  container: { image: string; memoryLimit(env: LabEnv): string }
  /** The path, on its HTTP port, that answers `ok <version>` with the version of the config it runs. */
  healthPath: string
}
