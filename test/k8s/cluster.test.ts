// The lab's own cluster (k8s/cluster), as Kubernetes mode will use it: a Deployment behind a
// Service, reached from this machine by its cluster address and found by its name in the
// cluster's DNS; a Service with no pod refusing; a pod deleted and replaced. Run by `make test` (test/parts-k8s.ts) on the
// cluster it starts, with KUBECONFIG pointing at it.
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { Resolver } from 'node:dns/promises'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { until } from '../lib/stack.ts'
import { KUBE } from './kube.ts'

const NS = 'lb-lab-smoke'
const kubectl = async (...args: string[]) =>
  (await promisify(execFile)(KUBE, ['kubectl', '-n', NS, ...args], { timeout: 120_000 })).stdout.trim()

// A server that answers with its pod's name: the Node image Docker mode stands in (k8s/cluster/images.sh).
const SERVER = `require('node:http').createServer((q, s) => s.end(require('node:os').hostname())).listen(8080)`
const manifest = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'echo' } },
        template: {
          metadata: { labels: { app: 'echo' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: 'echo',
                image: 'node:24.21.0-bookworm-slim',
                imagePullPolicy: 'Never',
                command: ['node', '-e', SERVER],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: NS },
      spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    // A Service no pod backs (a set's Service while its only pod restarts).
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'nobody', namespace: NS },
      spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] },
    },
  ],
}

/** One request on a connection of its own (kube-proxy picks a pod per connection). */
function ask(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: 80, agent: false, timeout: 2000 }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk)).on('end', () => resolve(body))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host} within 2 s`)))
    req.on('error', reject).end()
  })
}

const pods = async () => (await kubectl('get', 'pods', '-l', 'app=echo', '-o', 'name')).split('\n')

describe("the lab's own cluster", () => {
  let clusterIp = ''
  before(async () => {
    // A namespace an earlier run left is still terminating: nothing new may be created in it.
    await kubectl('delete', 'namespace', NS, '--ignore-not-found', '--timeout=60s')
    const apply = spawn(KUBE, ['kubectl', 'apply', '-f', '-'], { stdio: ['pipe', 'inherit', 'inherit'] })
    apply.stdin.end(JSON.stringify(manifest))
    assert.equal(await new Promise((resolve) => apply.on('exit', resolve)), 0, 'kubectl apply failed')
    await kubectl('rollout', 'status', 'deployment/echo', '--timeout=60s')
    clusterIp = await kubectl('get', 'service', 'echo', '-o', 'jsonpath={.spec.clusterIP}')
    // Ready pods become a Service's endpoints, then kube-proxy's rules, a second or so later:
    // until then a connection is refused.
    await until('the Service answering', async () => (await ask(clusterIp)) !== '')
  })
  after(async () => {
    await kubectl('delete', 'namespace', NS, '--wait=false').catch(() => {})
  })

  it("finds a Service by its name in the cluster's DNS", async () => {
    const dns = new Resolver({ timeout: 2000, tries: 2 })
    dns.setServers([
      await kubectl('-n', 'kube-system', 'get', 'service', 'kube-dns', '-o', 'jsonpath={.spec.clusterIP}'),
    ])
    assert.deepEqual(await dns.resolve4(`echo.${NS}.svc.cluster.local`), [clusterIp])
  })

  it("spreads a Service's connections over its ready pods", async () => {
    const names = (await pods()).map((pod) => pod.replace('pod/', ''))
    const answers = new Set<string>()
    for (let i = 0; i < 40; i++) answers.add(await ask(clusterIp))
    assert.deepEqual([...answers].sort(), names.sort())
  })

  it("refuses a pod's connection to a Service with no ready pod, at once (it never leaves the machine)", async () => {
    const nobody = await kubectl('get', 'service', 'nobody', '-o', 'jsonpath={.spec.clusterIP}')
    const [pod] = await pods()
    // Node in the pod says what became of one connection: refused, answered, or nothing in 3 s.
    const connect = `require('node:net').connect(80, '${nobody}')
      .on('connect', () => { console.log('connected'); process.exit() })
      .on('error', (e) => { console.log(e.code); process.exit() })
      .setTimeout(3000, () => { console.log('no answer'); process.exit() })`
    assert.equal(await kubectl('exec', pod as string, '--', 'node', '-e', connect), 'ECONNREFUSED')
  })

  it('replaces a deleted pod, and the Service answers from the new one', async (t) => {
    const [victim] = await pods()
    await kubectl('delete', victim as string, '--wait=false')
    const seconds = await until(
      'a new pod answering through the Service',
      async () => {
        const now = await pods()
        if (now.includes(victim as string) || now.length !== 2) return false
        const answers = new Set<string>()
        for (let i = 0; i < 20; i++) answers.add(await ask(clusterIp))
        return answers.size === 2 && !answers.has((victim as string).replace('pod/', ''))
      },
      60_000,
    )
    t.diagnostic(`the replacement answered through the Service ${seconds.toFixed(1)} s after the delete`)
  })
})
