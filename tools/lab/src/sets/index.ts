// The replica sets: one row each (set.ts says what a row holds). The first is served at nginx's
// root; the others under their prefix. app and py are the lab's own; a team's are declared under
// sets/ (declared.ts) and run when SETS names them.
import { loadLabEnv } from '../env.ts'
import { app } from './app.ts'
import { declaredRow, readDeclarations } from './declared.ts'
import { py } from './py.ts'
import type { ReplicaSetRow } from './set.ts'

// A file under sets/ that does not parse is the CLI's error to report (checkSets), not an import's.
let unreadable: Error | undefined
const DECLARED: Readonly<Record<string, ReplicaSetRow>> = (() => {
  try {
    return Object.fromEntries(
      [...readDeclarations()].map(([name, declared]) => [name, declaredRow(name, declared)]),
    )
  } catch (err) {
    unreadable = err as Error
    return {}
  }
})()

const named = () => loadLabEnv().list('SETS')

/** A file under sets/ is wrong, or SETS names one that is not there: the CLI refuses to go on (checked there, not at import). */
export function checkSets(): void {
  if (unreadable) throw unreadable
  const unknown = named().filter((name) => !DECLARED[name])
  if (unknown.length)
    throw new Error(
      `SETS=${named().join(',')}: there is no sets/${unknown[0]}.json (declared: ${Object.keys(DECLARED).join(', ') || 'none'})`,
    )
}

/** The sets that run: the lab's two, then those SETS names. */
export const REPLICA_SETS: Readonly<Record<string, ReplicaSetRow>> = {
  app,
  py,
  ...Object.fromEntries(named().flatMap((name) => (DECLARED[name] ? [[name, DECLARED[name]]] : []))),
}
/** A set's name: a key of REPLICA_SETS. */
export type ReplicaSet = string
export const SET_NAMES = Object.keys(REPLICA_SETS)
/** Every set that could be running, SETS or not: what `down` stops. */
export const ALL_SET_NAMES = [...new Set([...SET_NAMES, ...Object.keys(DECLARED)])]
/** The set nginx serves at its root: what a verb acts on when it names none (scale, rollout, k6). */
export const ROOT_SET = SET_NAMES.find((name) => REPLICA_SETS[name]?.prefix === '') ?? 'app'

export function replicaSet(name: string): ReplicaSetRow {
  const row = REPLICA_SETS[name] ?? DECLARED[name]
  if (!row) throw new Error(`${name} is not a replica set (${SET_NAMES.join(', ')})`)
  return row
}

export type { NativeProcess, ReplicaSetRow, RoutedSet } from './set.ts'
