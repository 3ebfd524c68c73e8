// What a replica set is to the lab: one row of the table in index.ts. Everything that lists
// replicas (nginx's upstreams and locations, Prometheus's jobs, the native services, Compose's
// counts, scale, rollout, fault) loops over that table. The lab's own sets are rows written here
// (app.ts, py.ts); a team's service is a file under sets/ that declared.ts reads into a row.
import type { LabEnv } from '../env.ts'

/** How a replica runs natively, given the environment the replica contract gives it. */
export interface NativeProcess {
  command: string
  args: string[]
  cwd: string
  env: Record<string, string>
}

export interface ReplicaSetRow {
  /** Its replicas are <name>1..<name>9; Compose's service, Prometheus's job and the set nginx's upstream <name>_backend serves. */
  name: string
  /** What people call it: "TypeScript app", "Python sample". */
  label: string
  /** How many replicas run (`make scale` changes it), and natively the port below replica 1's. */
  countKey: string
  portBaseKey: string
  /** The port a replica listens on in its container. */
  containerPort: number
  /** The image Docker mode builds for it (compose.yaml), which Kubernetes runs too. */
  image: string
  /** In a container: what it reads beyond the contract (Gunicorn's settings), from .env. */
  containerEnv?(env: LabEnv): Record<string, string>
  /** Where nginx serves it: '' at the root (exactly one set), else a prefix nginx strips (/py). */
  prefix: string
  /** The setting that names its session cookie (hash_cookie keys on it; the replicas set it). */
  cookieKey: string
  /** Whether it keeps the fault contract (contract/README.md, Faults): `make fault` refuses it otherwise. */
  faults: boolean
  /** The contract variables it reads, where it does not read them all (a declared set's `reads`). */
  reads?: string[]
  /** A declared set's folder (absolute): Docker mode builds its image from the Dockerfile there. */
  folder?: string
  /** Natively: makes what a replica needs before it starts (a virtualenv); throws if it cannot. */
  prepare?(replica: string): void
  /** Natively: the process of `replica`, from the contract's environment for it. */
  process(contract: Record<string, string>, env: LabEnv, replica: string): NativeProcess
}

/** The part of a row nginx and Prometheus render from: a made-up set needs no more. */
export type RoutedSet = Pick<ReplicaSetRow, 'name' | 'prefix' | 'cookieKey'>
