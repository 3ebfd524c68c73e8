// The replica sets: one row each (set.ts says what a row holds). The first is served at nginx's
// root; the others under their prefix.
import { app } from './app.ts'
import { py } from './py.ts'
import type { ReplicaSetRow } from './set.ts'

export const REPLICA_SETS: Readonly<Record<string, ReplicaSetRow>> = { app, py }
/** A set's name: a key of REPLICA_SETS. */
export type ReplicaSet = string
export const SET_NAMES = Object.keys(REPLICA_SETS)
/** The set nginx serves at its root: what a verb acts on when it names none (scale, rollout, k6). */
export const ROOT_SET = SET_NAMES.find((name) => REPLICA_SETS[name]?.prefix === '') ?? 'app'

export function replicaSet(name: string): ReplicaSetRow {
  const row = REPLICA_SETS[name]
  if (!row) throw new Error(`${name} is not a replica set (${SET_NAMES.join(', ')})`)
  return row
}

export type { NativeProcess, ReplicaSetRow, RoutedSet } from './set.ts'
