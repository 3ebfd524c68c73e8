// Configuration: a replica starts from its environment alone, and a secret has no default (a
// default secret is one everyone who reads the code knows). The story: the set's process started
// here with the contract's environment but one secret, for each secret; it must refuse to start
// and say which variable is missing. What this checks is the code, so it runs the native process
// whatever the mode.
import { spawn } from 'node:child_process'
import { REPLICA_ENV } from '../../contract.ts'
import { contractEnv } from '../../modes/native/services/replicas.ts'
import { portFree } from '../../probes.ts'
import { type Check, fail, pass, type Target, warn } from '../check.ts'

const FIX =
  'read every secret from the environment with no default, and refuse to start (exit 1, naming it) without it'
const BOUND_MS = 20_000

/** Starts `command` and waits for it to exit: its code and output, or undefined if it kept running. */
function exitOf(spec: { command: string; args: string[]; cwd: string; env: Record<string, string> }) {
  return new Promise<{ code: number | null; output: string } | undefined>((resolve) => {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve(undefined)
    }, BOUND_MS)
    child.on('error', (err) => {
      clearTimeout(timer)
      resolve({ code: 127, output: err.message })
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

async function freePort(): Promise<number> {
  for (let port = 31_000; port < 31_100; port++) if (await portFree(port)) return port
  throw new Error('no free port in 31000-31099 for the configuration check')
}

export const config: Check = {
  id: 'config',
  requirement:
    'it starts from the environment alone, and refuses to start without a secret (none has a default)',
  async run(target: Target) {
    const { set, env } = target
    const secrets = Object.entries(REPLICA_ENV)
      .filter(
        ([name, rule]) =>
          rule.secret && (rule.sets ?? [set.name]).includes(set.name) && (set.reads ?? [name]).includes(name),
      )
      .map(([name]) => name)
    if (secrets.length === 0)
      return warn(
        'the contract names no secret for this set',
        'list each secret in contract/replica-env.json',
      )
    const port = await freePort()
    const refused: string[] = []
    for (const secret of secrets) {
      const contract = contractEnv(env, 'conform', port, set.cookieKey)
      delete contract[secret]
      set.prepare?.('conform')
      const spec = set.process(contract, env, 'conform')
      const exit = await exitOf(spec)
      if (!exit)
        return fail(`started without ${secret} and was still running ${BOUND_MS / 1000} s later`, FIX)
      const said = exit.output.split('\n').find((line) => line.includes(secret))
      if (exit.code === 0 || !said)
        return fail(
          `without ${secret}: exit ${exit.code}${said ? '' : `, and ${secret} not named (${exit.output.trim().split('\n').at(-1)})`}`,
          FIX,
        )
      refused.push(`${secret} (exit ${exit.code})`)
    }
    return pass(
      `its process, started with the contract's environment and nothing else, refused to start without each secret: ${refused.join(', ')}`,
    )
  },
}
