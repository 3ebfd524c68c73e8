// A team's own service as a replica set: one JSON file under sets/ (sets/README.md says what it
// holds), read here into the same row the lab's own sets are (set.ts). The lab runs the sets that
// SETS names; every file is read, so that `down` finds a set that ran with a SETS now unset.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { REPLICA_ENV } from '../contract.ts'
import { repoRoot } from '../paths.ts'
import type { ReplicaSetRow } from './set.ts'

export const SETS_DIR = join(repoRoot, 'sets')

/** What a file under sets/ declares (sets/README.md is its reference). */
export interface Declaration {
  label: string
  /** The service's folder, relative to the repository: its Dockerfile is there, and natively its command runs there. */
  folder: string
  prefix: string
  port: number
  nativePortBase: number
  replicas: number
  cookie: string
  /** The contract variables it reads (contract/replica-env.json): the configuration check's list of secrets comes from here. */
  reads: string[]
  native: { build?: string[]; command: string[] }
  /** Whether it keeps the fault contract (PUT /faults): `make fault` refuses it otherwise. */
  faults: boolean
}

const NAME = /^[a-z][a-z_]*[a-z]$/
const word = (value: unknown) => typeof value === 'string' && value !== ''
const strings = (value: unknown) => Array.isArray(value) && value.every(word)
const whole = (value: unknown, low: number, high: number) =>
  Number.isInteger(value) && (value as number) >= low && (value as number) <= high

/** Each field's rule and what to write instead: the first broken one is the error. */
const RULES: Array<[keyof Declaration, (value: unknown) => boolean, string]> = [
  ['label', word, 'a name people read, e.g. "Orders service"'],
  [
    'folder',
    (v) => word(v) && !isAbsolute(v as string),
    'the folder of its code, relative to the repository',
  ],
  [
    'prefix',
    (v) => typeof v === 'string' && /^\/[a-z0-9][a-z0-9_-]*$/.test(v),
    'a path prefix, e.g. "/orders"',
  ],
  ['port', (v) => whole(v, 1, 65535), 'the port it listens on in its container'],
  ['nativePortBase', (v) => whole(v, 1024, 65526), "a port below replica 1's natively (1024 to 65526)"],
  ['replicas', (v) => whole(v, 1, 9), 'how many replicas run, 1 to 9'],
  ['cookie', (v) => typeof v === 'string' && /^[A-Za-z0-9_]+$/.test(v), "its session cookie's name"],
  [
    'reads',
    (v) => strings(v) && (v as string[]).every((name) => name in REPLICA_ENV),
    'the contract variables it reads (contract/replica-env.json)',
  ],
  [
    'native',
    (v) => {
      const native = v as Declaration['native'] | undefined
      return strings(native?.command) && (native?.build === undefined || strings(native.build))
    },
    '{ "command": [...], "build": [...] }: argument lists, run in its folder',
  ],
  ['faults', (v) => typeof v === 'boolean', 'true if it keeps the fault contract, else false'],
]

/**
 * The names compose.yaml gives its services (app, py, redis, nginx...): a set is a Compose service
 * of its name in Docker mode, so it may not take one. Read from the file's top-level `services:`
 * block, each service a key indented by two spaces.
 */
let composeNames: string[] | undefined
function composeServices(): string[] {
  composeNames ??= readComposeServices()
  return composeNames
}

function readComposeServices(): string[] {
  let section = ''
  const names: string[] = []
  for (const line of readFileSync(join(repoRoot, 'compose.yaml'), 'utf8').split('\n')) {
    const top = /^([a-z][\w-]*):/.exec(line)
    if (top) section = top[1] as string
    const key = /^ {2}([a-z][\w-]*):\s*$/.exec(line)
    if (section === 'services' && key) names.push(key[1] as string)
  }
  return names
}

export function parseDeclaration(name: string, text: string, file: string): Declaration {
  if (!NAME.test(name))
    throw new Error(`${file}: a set's name (its file's) is lower-case letters (and _): ${name}`)
  if (composeServices().includes(name))
    throw new Error(
      `${file}: ${name} is one of the lab's own services (compose.yaml): name the set otherwise`,
    )
  let value: Record<string, unknown>
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`)
  }
  for (const [field, valid, expected] of RULES) {
    if (!valid(value[field])) throw new Error(`${file}: "${field}" must be ${expected}`)
  }
  return value as unknown as Declaration
}

/** Every set declared under sets/, by name. */
/** Read once per command: loadLabEnv asks for the defaults each time it runs. */
let declared: Map<string, Declaration> | undefined

export function readDeclarations(): Map<string, Declaration> {
  declared ??= readDeclarationsIn(SETS_DIR)
  return declared
}

function readDeclarationsIn(dir: string): Map<string, Declaration> {
  const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.json')) : []
  return new Map(
    files.sort().map((file) => {
      const name = file.slice(0, -'.json'.length)
      return [name, parseDeclaration(name, readFileSync(join(dir, file), 'utf8'), `sets/${file}`)]
    }),
  )
}

/** The variables a declared set adds to the lab's (named as .env names the lab's sets'). */
export function setKeys(name: string) {
  const upper = name.toUpperCase()
  return {
    countKey: `${upper}_REPLICAS`,
    portBaseKey: `${upper}_PORT_BASE`,
    cookieKey: `${upper}_SESSION_COOKIE_NAME`,
  }
}

/** Their defaults, from each declaration: .env and the environment override them as any other. */
export function declaredDefaults(): Map<string, string> {
  const defaults = new Map<string, string>()
  let declarations: Map<string, Declaration>
  try {
    declarations = readDeclarations()
  } catch {
    return defaults // the CLI says what is wrong with the file (sets/index.ts, checkSets)
  }
  for (const [name, declared] of declarations) {
    const keys = setKeys(name)
    defaults.set(keys.countKey, String(declared.replicas))
    defaults.set(keys.portBaseKey, String(declared.nativePortBase))
    defaults.set(keys.cookieKey, declared.cookie)
  }
  return defaults
}

/** A declared set as the lab's row: its image is built from its folder's Dockerfile. */
export function declaredRow(name: string, declared: Declaration): ReplicaSetRow {
  const folder = resolve(repoRoot, declared.folder)
  return {
    name,
    label: declared.label,
    ...setKeys(name),
    containerPort: declared.port,
    image: `lb-lab/${name}:dev`,
    prefix: declared.prefix,
    faults: declared.faults,
    reads: declared.reads,
    folder,
    prepare() {
      const build = declared.native.build
      if (!build) return
      const [command = '', ...args] = build
      const result = spawnSync(command, args, { cwd: folder, stdio: ['ignore', 'inherit', 'inherit'] })
      if (result.status !== 0)
        throw new Error(
          `${name}: \`${build.join(' ')}\` in ${declared.folder} failed (${result.error?.message ?? `exit ${result.status}`})`,
        )
    },
    process: (contract) => {
      const [command = '', ...args] = declared.native.command
      return {
        command: isAbsolute(command) || !command.includes('/') ? command : join(folder, command),
        args,
        cwd: folder,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...contract },
      }
    },
  }
}
