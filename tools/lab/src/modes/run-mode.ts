// What a way to run the lab is to the CLI: the verbs it implements. cli.ts dispatches each verb to
// the chosen mode's (modes/index.ts lists them) and refuses, by name, one a mode lacks. A new run
// mode is a folder here with an object of this shape, and a row in modes/index.ts.

/** The verbs that act on one service or replica, as Docker Compose's do. */
export const SERVICE_VERBS = ['start', 'stop', 'restart', 'kill', 'pause', 'unpause'] as const
export type ServiceVerb = (typeof SERVICE_VERBS)[number]

export interface RunMode {
  /** Whether anything of a stack of this mode is there: `up` picks the mode afresh when not. */
  running(): Promise<boolean>
  /** Starts every service that is not running, reloads changed configs, prints the URLs. */
  up(): Promise<void>
  /** Stops everything; data stays. */
  down(): Promise<void>
  /** Stops everything and deletes the data. */
  reset(): Promise<void>
  ps(): Promise<void>
  logs(target: string | undefined, follow: boolean): Promise<void>
  /** One service's (or replica's) verb; `start` and `restart` return once it is ready. */
  act(verb: ServiceVerb, target: string): Promise<void>
  /** Changes how many replicas of a set run, on a running stack (scale.ts: the shared rules). */
  scale(set: string, count: number): Promise<void>
  /**
   * Clones the standby (pg-replica) from the primary again. Needed once the standby has fallen
   * further behind than PG_MAX_SLOT_WAL_KEEP_SIZE: the primary dropped the WAL it still needed,
   * the slot is "lost", and the standby can never catch up by streaming (its log repeats
   * "requested WAL segment ... has already been removed"). The same steps in every mode: stop
   * the standby (the slot must be inactive to be dropped); init-primary.sh on the primary (drops
   * the lost slot, makes it afresh); delete the standby's data; start it (its bootstrap finds no
   * data and runs pg_basebackup through the new slot). Meanwhile the replicas read from the
   * primary, as whenever the standby is down.
   */
  reclone(): Promise<void>
  /** k6 with these arguments, against this mode's nginx; resolves with its exit code. */
  k6(args: string[]): Promise<number>
  /** Where this machine reaches a replica's own port (its fault switch, its metrics). */
  replicaUrl(replica: string): Promise<string>
  /**
   * A rolling restart of a whole set, where the mode has its own (Kubernetes' Deployment); the
   * others restart one replica after another (rollout.ts).
   */
  rolloutSet?(set: string): Promise<void>
  /** A service's environment, as JSON (the Python sample's tests build their app from py1's). */
  env?(target: string): Promise<void>
}
