// The console page: renders each snapshot the console pushes (server-sent events), and sends
// the controls (load, faults) as JSON with the X-Lab-Console header the console requires.
// Plain DOM; loaded as a module from /console/app.js, so it runs under nginx's CSP unchanged.
import type { ChangedSetting, HistorySample, LessonView, ReplicaView, Snapshot } from '../src/view.ts'

const $ = <T extends Element>(selector: string, root: ParentNode = document): T => {
  const found = root.querySelector<T>(selector)
  if (!found) throw new Error(`no ${selector}`)
  return found
}
const ms = (value: number | null) =>
  value === null ? '–' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`

/** A control request: a POST with a JSON body and the header the console requires. */
async function control(path: string, body: unknown = {}): Promise<void> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lab-console': '1' },
    body: JSON.stringify(body),
  })
  if (!response.ok) {
    const { message = response.statusText } = (await response.json().catch(() => ({}))) as {
      message?: string
    }
    alert(`${path}: ${message}`)
  }
}

function describeFaults(faults: Record<string, unknown>): string {
  const parts: string[] = []
  if (faults.latencyMs) parts.push(`+${faults.latencyMs} ms${faults.jitterMs ? ` ±${faults.jitterMs}` : ''}`)
  if (faults.slowStartSeconds) parts.push(`warming over ${faults.slowStartSeconds} s`)
  if (faults.errorRate)
    parts.push(`${Math.round(Number(faults.errorRate) * 100)}% ${faults.errorStatus ?? 500}`)
  if (faults.notReady) parts.push('not ready')
  if (faults.cpuMs) parts.push(`${faults.cpuMs} ms CPU`)
  if (Array.isArray(faults.routes)) parts.push(`on ${faults.routes.join(', ')}`)
  return parts.join(' · ')
}

/** A table row per replica, made once and updated in place (the page keeps its form inputs). */
const rows = new Map<string, HTMLTableRowElement>()

function rowFor(set: HTMLElement, replica: string): HTMLTableRowElement {
  const existing = rows.get(replica)
  if (existing) return existing
  const row = $<HTMLTemplateElement>('#row-template').content.firstElementChild?.cloneNode(
    true,
  ) as HTMLTableRowElement
  row.dataset.replica = replica
  $('.name', row).textContent = replica
  const form = $<HTMLFormElement>('form.fault', row)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const data = new FormData(form)
    const faults: Record<string, unknown> = {}
    const latency = Number(data.get('latencyMs') || 0)
    const errors = Number(data.get('errorPercent') || 0)
    if (latency > 0) faults.latencyMs = latency
    const warmUp = Number(data.get('slowStartSeconds') || 0)
    if (latency > 0 && warmUp > 0) faults.slowStartSeconds = warmUp
    const cpu = Number(data.get('cpuMs') || 0)
    if (cpu > 0) faults.cpuMs = cpu
    if (errors > 0) {
      faults.errorRate = errors / 100
      faults.errorStatus = Number(data.get('errorStatus'))
    }
    if (data.get('notReady')) faults.notReady = true
    void control(`/console/api/faults/${replica}`, faults)
  })
  $('button.clear', row).addEventListener('click', () => {
    form.reset()
    void control(`/console/api/faults/${replica}/clear`)
  })
  $('tbody', set).append(row)
  rows.set(replica, row)
  return row
}

/** The settings `make up` was given beyond .env.example; a mistake on purpose marked as one. */
function renderChanged(changed: ChangedSetting[]): void {
  $<HTMLElement>('#changed').hidden = changed.length === 0
  $('#changed-list').replaceChildren(
    ...changed.flatMap(({ name, value, example, mistake }, i) => {
      const item = document.createElement('span')
      item.className = mistake ? 'mistake' : 'setting'
      item.textContent = `${name}=${value}`
      item.title = mistake ? `a mistake on purpose: ${mistake}` : `.env.example: ${example}`
      return i ? [', ', item] : [item]
    }),
  )
}

function renderLesson(lesson: LessonView | null): void {
  const line = $<HTMLElement>('#lesson')
  line.hidden = lesson === null
  if (!lesson) return
  $('#lesson-title').textContent = `${lesson.n}: ${lesson.title}`
  const check = $<HTMLElement>('#lesson-check')
  check.dataset.state = lesson.check === null ? 'pending' : lesson.check.passed ? 'passed' : 'failed'
  check.textContent =
    lesson.check === null
      ? `checkpoint: make check n=${lesson.n}`
      : `${lesson.check.passed ? '✓ checkpoint reached: ' : '✗ '}${lesson.check.said}`
}

// The charts' minutes: the samples the console sent, drawn as an SVG line per replica.
const WINDOW_MS = 5 * 60_000
const SVG = 'http://www.w3.org/2000/svg'
let samples: HistorySample[] = []

function svgElement(name: string, attributes: Record<string, string>): SVGElement {
  const element = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value)
  return element
}

/** Redraws every set's three charts from the samples: x is the last five minutes, y each measure. */
function renderHistory(): void {
  const now = samples.at(-1)?.at ?? Date.now()
  const x = (at: number) => (300 * (at - (now - WINDOW_MS))) / WINDOW_MS
  for (const section of document.querySelectorAll<HTMLElement>('section[data-set]')) {
    const set = section.dataset.set
    const names = [
      ...new Set(samples.flatMap((s) => Object.keys(s.replicas).filter((r) => s.replicas[r]?.set === set))),
    ].sort()
    const measures = {
      share: (r: HistorySample['replicas'][string]) => r.share,
      p95: (r: HistorySample['replicas'][string]) => r.p95Ms,
      errors: (r: HistorySample['replicas'][string]) => r.errors,
    }
    for (const [chart, value] of Object.entries(measures)) {
      const figure = $<HTMLElement>(`figure[data-chart="${chart}"]`, section)
      const svg = $<SVGSVGElement>('svg', figure)
      const top =
        chart === 'share'
          ? 1
          : Math.max(
              1,
              ...samples.flatMap((s) => names.map((n) => Number(s.replicas[n] ? value(s.replicas[n]) : 0))),
            )
      if (chart !== 'share') $('.scale', figure).textContent = `(top ${chart === 'p95' ? ms(top) : top})`
      svg.replaceChildren()
      names.forEach((name, i) => {
        const points = samples
          .filter((s) => s.replicas[name])
          .map((s) => {
            const v = value(s.replicas[name] as HistorySample['replicas'][string]) ?? 0
            return `${x(s.at).toFixed(1)},${(100 - (92 * Number(v)) / top).toFixed(1)}`
          })
        svg.append(
          svgElement('polyline', { class: `series-${i}`, 'data-replica': name, points: points.join(' ') }),
        )
        // A replica's moments out of service, as marks along the bottom of the share chart.
        if (chart !== 'share') return
        for (const sample of samples) {
          const state = sample.replicas[name]?.state
          if (!state || state === 'serving') continue
          svg.append(
            svgElement('rect', {
              class: `mark series-${i}`,
              'data-replica': name,
              'data-state': state,
              x: x(sample.at).toFixed(1),
              y: String(97 - 4 * i),
              width: '2',
              height: '3',
            }),
          )
        }
      })
    }
    $('.legend', section).replaceChildren(
      ...names.map((name, i) => {
        const span = document.createElement('span')
        span.className = `series-${i}`
        span.textContent = name
        return span
      }),
      document.createTextNode('last five minutes; marks below the share: a replica not serving'),
    )
  }
}

function render(snapshot: Snapshot): void {
  renderLesson(snapshot.lesson)
  renderChanged(snapshot.changed)
  $('#strategy').textContent = snapshot.strategy ?? '?'
  const main = $('#sets')
  for (const set of snapshot.sets) {
    let section = main.querySelector<HTMLElement>(`section[data-set="${set.name}"]`)
    if (!section) {
      section = $<HTMLTemplateElement>('#set-template').content.firstElementChild?.cloneNode(
        true,
      ) as HTMLElement
      section.dataset.set = set.name
      // The set's row (tools/lab/src/sets/), as nginx's render wrote it for the console.
      $('h2', section).textContent = `${set.label} (${set.base}/)`
      main.append(section)
    }
    const names = new Set(set.replicas.map((r) => r.name))
    for (const [name, row] of rows) {
      if (row.closest('section') === section && !names.has(name)) {
        row.remove()
        rows.delete(name)
      }
    }
    for (const replica of set.replicas) update(rowFor(section, replica.name), replica)
  }
  const load = snapshot.load
  const answers = Object.entries(load.answers)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ')
  $('#load-status').textContent = load.running
    ? `running at ${load.settings?.rps}/s: ${load.sent} sent${answers ? ` (${answers})` : ''}`
    : `stopped${load.sent ? ` after ${load.sent} (${answers})` : ''}`
  const { media } = snapshot
  const store = $<HTMLElement>('#media-store')
  store.textContent = media.store
  store.dataset.state = media.store
  $('#media-requests').textContent = String(media.requests)
  $('#media-hits').textContent = media.hitRatio === null ? '–' : `${Math.round(media.hitRatio * 100)}%`
  const first = snapshot.sets[0]?.replicas[1]?.name ?? 'app2'
  $('#commands').textContent = [
    `make kill s=${first}      # SIGKILL: nginx retries its requests elsewhere`,
    `make start s=${first}`,
    `make pause s=${first}     # frozen: nginx waits UPSTREAM_READ_TIMEOUT, then goes elsewhere`,
    `make unpause s=${first}`,
    'make scale n=5',
    'make stop s=objectstore   # uploads answer 503; cached media is still served',
    `make up LB_STRATEGY=${snapshot.strategy === 'least_conn' ? 'round_robin' : 'least_conn'}`,
  ].join('\n')
}

function update(row: HTMLTableRowElement, replica: ReplicaView): void {
  row.dataset.state = replica.state
  row.dataset.share = replica.traffic.share.toFixed(3)
  const state = $('.state', row)
  state.textContent = replica.state
  state.setAttribute('title', replica.detail || replica.address)
  // A style property set from script, not a style attribute: nginx's CSP allows the one only.
  $<HTMLElement>('.fill', row).style.width = `${(replica.traffic.share * 100).toFixed(1)}%`
  $('.pct', row).textContent = `${Math.round(replica.traffic.share * 100)}%`
  $('.rps', row).textContent = replica.traffic.rps.toFixed(1)
  $('.p50', row).textContent = ms(replica.traffic.p50Ms)
  $('.p95', row).textContent = ms(replica.traffic.p95Ms)
  $('.errors', row).textContent = String(replica.traffic.errors)
  $('.retried', row).textContent = String(replica.traffic.retried)
  $('.faults', row).textContent = describeFaults(replica.faults)
}

$<HTMLFormElement>('#load-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const mix = Object.fromEntries(
    [...document.querySelectorAll<HTMLInputElement>('input[name="mix"]:checked')].map((box) => [
      box.value,
      1,
    ]),
  )
  void control('/console/api/load', { rps: Number($<HTMLInputElement>('#rps').value), mix })
})
$('#load-stop').addEventListener('click', () => void control('/console/api/load/stop'))

// EventSource reconnects by itself; the status line says when it is not live.
const events = new EventSource('/console/events')
const link = $<HTMLElement>('#link')
events.addEventListener('open', () => {
  link.dataset.state = 'live'
  link.textContent = 'live'
})
events.addEventListener('error', () => {
  link.dataset.state = 'lost'
  link.textContent = 'connection lost: reconnecting…'
})
events.addEventListener('history', (event) => {
  const added = JSON.parse((event as MessageEvent<string>).data) as HistorySample[]
  const latest = samples.at(-1)?.at ?? 0
  samples = [...samples, ...added.filter((s) => s.at > latest)]
  const from = (samples.at(-1)?.at ?? 0) - WINDOW_MS
  samples = samples.filter((s) => s.at >= from)
  renderHistory()
})
events.addEventListener('message', (event) => {
  const snapshot = JSON.parse(event.data) as Snapshot
  render(snapshot)
  // How long from the console taking this snapshot to the frame showing it (the tests report it).
  requestAnimationFrame(() => {
    document.body.dataset.paintLagMs = String(Date.now() - snapshot.at)
  })
})
