// The Kubernetes manifests, checked offline against the API schemas of the version the lab's
// cluster runs (kubernetes-validate, strict: a field the API does not have, or of the wrong
// type, fails): the base, Grafana, each replica set as the lab renders it, and the lab cluster's
// own add-ons. What the overlay generates (ConfigMaps, Secrets, the balancer's patch) meets the API
// server itself at `make up` on the cluster (test/parts-k8s.ts).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { exampleEnv, LabEnv } from '../../tools/lab/src/env.ts'
import { renderSets } from '../../tools/lab/src/modes/k8s/sets.ts'
import { repoRoot } from '../../tools/lab/src/paths.ts'

const VALIDATE = join(repoRoot, 'k8s/validate/.venv/bin/kubernetes-validate')
/** The cluster's Kubernetes, as k8s/cluster/kube/go.mod pins it: 1.34. */
const VERSION = /k8s\.io\/kubernetes v(\d+\.\d+)\./.exec(
  readFileSync(join(repoRoot, 'k8s/cluster/kube/go.mod'), 'utf8'),
)?.[1] as string

function validate(files: string[]): Promise<{ code: number; output: string }> {
  if (!existsSync(VALIDATE)) throw new Error(`${VALIDATE} is missing: make k8s-validate installs it`)
  return new Promise((resolve) =>
    execFile(VALIDATE, ['-k', VERSION, '--strict', '--no-warn', ...files], (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    ),
  )
}

const scratch = mkdtempSync(join(tmpdir(), 'lb-lab-k8s-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const sets = join(scratch, 'sets.yaml')
writeFileSync(sets, renderSets(new LabEnv(exampleEnv())))
const manifests = [
  ...readdirSync(join(repoRoot, 'k8s/base'))
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => join(repoRoot, 'k8s/base', f)),
  join(repoRoot, 'k8s/grafana/grafana.yaml'),
  sets,
  ...['coredns', 'metrics-server', 'traefik', 'storage'].map((f) => join(repoRoot, `k8s/cluster/${f}.yaml`)),
  join(repoRoot, 'k8s/gateway/gateway.yaml'),
]
// kubernetes-validate knows Kubernetes' own kinds and passes over the rest: the Gateway API's
// (the Gateway, its routes, Traefik's GatewayClass) meet their CRDs' schemas at the API server,
// strictly (kubectl's server-side checks: `up`'s dry run, the cluster's start).
const objects = manifests
  .flatMap((file) => parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS()))
  .filter((object) => object && !String(object.apiVersion).startsWith('gateway.networking.k8s.io/'))

describe('the Kubernetes manifests', () => {
  it(`are Kubernetes ${VERSION} objects, strictly: the base, Grafana, each replica set as rendered, the cluster's add-ons`, async () => {
    const { code, output } = await validate(manifests)
    assert.equal(code, 0, output)
    assert.equal(output.match(/ passed for resource /g)?.length, objects.length, output)
  })

  it('and a field the API does not have fails the check, named', async () => {
    const broken = join(scratch, 'broken.yaml')
    writeFileSync(broken, readFileSync(sets, 'utf8').replace('maxUnavailable: 0', 'maxUnavailble: 0'))
    const { code, output } = await validate([broken])
    assert.notEqual(code, 0)
    assert.match(output, /'maxUnavailble' was unexpected/)
  })
})
