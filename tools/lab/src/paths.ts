import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: every path the lab uses is derived from it. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** Native-mode state (data, logs, pid files, rendered configs); git-ignored, wiped by `reset`. */
export const stateRoot = process.env.LAB_STATE_DIR
  ? resolve(process.env.LAB_STATE_DIR)
  : join(repoRoot, '.lab')

export function serviceDir(service: string): string {
  return join(stateRoot, service)
}

export function logFile(service: string): string {
  return join(serviceDir(service), 'log', `${service}.log`)
}

/** The Python sample's virtualenv, built by `make py-venv` from its pinned requirements. */
export const pyVenv = join(repoRoot, 'services/py-sample/.venv')

/** Natively, the edge's TLS certificate and key and the console's syslog tag, whichever engine runs. */
export const edgeTlsDir = join(stateRoot, 'tls')

/** Natively, what the console shows of the running balancer (engines/console-state.ts). */
export const consoleStateFile = join(stateRoot, 'balancer.json')

/**
 * The development TLS certificate the balancer serves (self-signed; clients trust it explicitly). Native
 * mode makes it here; Docker mode's lives in a volume and `up` copies it out beside (not over) it;
 * Kubernetes mode's is made here too and becomes a Secret.
 */
export const devCertificate = (mode: 'native' | 'docker' | 'k8s' = 'native') =>
  ({
    native: join(edgeTlsDir, 'cert.pem'),
    docker: join(stateRoot, 'docker', 'cert.pem'),
    k8s: join(k8sTlsDir, 'cert.pem'),
  })[mode]

/** Kubernetes mode: the edge's certificate and key and the console's tag, kept across `up`s. */
export const k8sTlsDir = join(stateRoot, 'k8s', 'tls')

/** A path as a person reads it: relative to the repository when inside it. */
export function displayPath(path: string): string {
  return path.startsWith(`${repoRoot}/`) ? path.slice(repoRoot.length + 1) : path
}
