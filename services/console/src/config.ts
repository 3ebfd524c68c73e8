// The console's settings, read once from the environment (the lab sets them natively,
// compose.yaml in Docker mode) and checked: a bad one stops the start with what to fix.

export interface ConsoleConfig {
  host: string
  port: number
  /** UDP port nginx sends its access log to (syslog), on `host`. */
  syslogPort: number
  /** What nginx runs, as the lab's renderer writes it next to nginx's config (console.json). */
  stateFile: string
  /** nginx, as the built-in load generator reaches it. */
  target: string
  /** The proxy whose X-Real-IP is believed (nginx); any other peer is the client itself. */
  trustProxy: string
  /** Addresses that are this machine, as the console sees them: free to read and to act. */
  localClients: string[]
  /** The page's own origins: a control request from any other is refused. */
  origins: string[]
  /** When set, a client elsewhere may use the console with it (Authorization: Bearer ...). */
  token: string | undefined
  /** Docker mode: the Compose project whose containers the replicas are (lb-lab). */
  composeProject: string | undefined
}

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const problems: string[] = []
  const text = (name: string): string => {
    const value = env[name]
    if (!value) problems.push(`${name} is required`)
    return value ?? ''
  }
  const port = (name: string): number => {
    const value = Number(text(name))
    if (!Number.isInteger(value) || value < 1 || value > 65535) problems.push(`${name} must be a port`)
    return value
  }
  const list = (name: string) =>
    text(name)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
  const token = env.CONSOLE_TOKEN || undefined
  if (token !== undefined && token.length < 16) problems.push('CONSOLE_TOKEN must be at least 16 characters')
  const config = {
    host: text('CONSOLE_HOST'),
    port: port('CONSOLE_PORT'),
    syslogPort: port('CONSOLE_SYSLOG_PORT'),
    stateFile: text('CONSOLE_STATE_FILE'),
    target: text('CONSOLE_TARGET'),
    trustProxy: text('CONSOLE_TRUST_PROXY'),
    localClients: list('CONSOLE_LOCAL_CLIENTS'),
    origins: list('CONSOLE_ORIGINS'),
    token,
    composeProject: env.CONSOLE_COMPOSE_PROJECT || undefined,
  }
  if (problems.length > 0) throw new Error(`invalid configuration: ${problems.join('; ')}`)
  return config
}
