// nginx's access log as it arrives over syslog (one JSON line per request, lab_json in
// nginx/templates/lb.conf.template), read for what the balancer did: which replicas it tried,
// what each answered, how long each took.

export interface Attempt {
  /** The upstream address nginx tried (an upstream's name when none was live). */
  address: string
  /** Its status; null when nginx got none (a refused connection is 502, a timeout 504). */
  status: number | null
  ms: number | null
}

export interface Entry {
  at: number
  uri: string
  status: number
  attempts: Attempt[]
  /** nginx's cache status for /media/ (HIT, MISS, STALE, ...); '' for a response not cached. */
  cache: string
}

const number = (text: string | undefined): number | null => {
  if (text === undefined || text === '' || text === '-') return null
  const value = Number(text)
  return Number.isFinite(value) ? value : null
}

/**
 * One syslog datagram (`<190>Nov 25 08:00:00 <tag>: {...}`) as an entry; undefined if it is not
 * one, or does not carry nginx's tag (anyone on this machine, or on the Docker network, can send
 * the console a datagram; only nginx knows the tag).
 */
export function parseDatagram(message: string, tag: string, at = Date.now()): Entry | undefined {
  const start = message.indexOf('{')
  // The tag as nginx sends it (`tag: `), or as HAProxy does, with its process id (`tag[123]: `).
  const head = message.slice(0, start).replace(/\[\d+\]: $/, ': ')
  if (start < 0 || !tag || !head.endsWith(` ${tag}: `)) return undefined
  let line: Record<string, unknown>
  try {
    line = JSON.parse(message.slice(start))
  } catch {
    return undefined
  }
  const list = (key: string) =>
    String(line[key] ?? '')
      .split(/, | : /)
      // HAProxy writes '-' for a value it does not have.
      .filter((item) => item !== '' && item !== '-')
  const addresses = list('upstream')
  const cache = String(line.cache ?? '').replace(/^-$/, '')
  // nginx answered itself (no upstream, nothing from its cache): nothing to count.
  if (addresses.length === 0 && cache === '') return undefined
  const statuses = list('upstream_status')
  // nginx's times are seconds (upstream_time); HAProxy's milliseconds (upstream_ms, -1 for none).
  const times =
    line.upstream_ms === undefined
      ? list('upstream_time')
      : [Number(line.upstream_ms) < 0 ? '' : String(Number(line.upstream_ms) / 1000)]
  return {
    at,
    uri: String(line.uri ?? ''),
    status: Number(line.status),
    cache,
    attempts: addresses.map((address, i) => ({
      address,
      status: number(statuses[i]),
      ms: number(times[i]) === null ? null : (number(times[i]) as number) * 1000,
    })),
  }
}
