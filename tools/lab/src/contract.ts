// The replica contract's environment (contract/replica-env.json): every variable a replica of any
// set reads, with its type, bounds, default, whether it is a secret, and who sets it: `env`
// (.env, passed on by the lab in both modes), `mode` (addresses and ports, the run mode's) or
// `set` (the set's own value: its session cookie).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './paths.ts'

export interface ContractVariable {
  type: 'string' | 'integer'
  from: 'env' | 'mode' | 'set'
  default?: string | number
  required?: boolean
  secret?: boolean
  minimum?: number
  maximum?: number
  minLength?: number
  pattern?: string
  enum?: string[]
  /** Only these sets read it (absent: every set). */
  sets?: string[]
  /** A switch of the lab that turns on a mistake its default leaves off: what the mistake is. */
  antiPattern?: string
}

export const REPLICA_ENV: Readonly<Record<string, ContractVariable>> = JSON.parse(
  readFileSync(join(repoRoot, 'contract/replica-env.json'), 'utf8'),
).variables

/** The variables a replica takes from .env as they are (the lab passes them on). */
export const fromEnv = () => Object.keys(REPLICA_ENV).filter((name) => REPLICA_ENV[name]?.from === 'env')
