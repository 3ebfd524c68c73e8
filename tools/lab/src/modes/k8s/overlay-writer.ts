// How the overlay is written: files into its folder (kustomize reads files only inside the
// overlay, so the checkout's are copied in), and what each part adds to its kustomization.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { repoRoot } from '../../paths.ts'

export interface OverlayWriter {
  write(name: string, text: string, mode?: number): void
  /** A folder's files (its README too, with `all`), flat: a ConfigMap has no folders. Returns their paths in the overlay. */
  copy(from: string, to: string, all?: boolean): string[]
  /** A path of this checkout as the kustomization names it. */
  relative(path: string): string
}

/** What one part of the lab adds to the kustomization. */
export interface OverlayParts {
  resources: string[]
  /** Strategic merge patches, as objects. */
  patches: object[]
  configMaps: Array<{ name: string; files?: string[]; envs?: string[] }>
  secrets: Array<{ name: string; files?: string[]; envs?: string[]; type?: string }>
}

export function overlayWriter(dir: string): OverlayWriter {
  return {
    write(name, text, mode = 0o644) {
      mkdirSync(join(dir, name, '..'), { recursive: true })
      writeFileSync(join(dir, name), text, { mode })
    },
    copy(from, to, all = false) {
      const files = readdirSync(join(repoRoot, from)).filter((f) => all || !f.endsWith('.md'))
      for (const file of files) cpSync(join(repoRoot, from, file), join(dir, to, file), { recursive: true })
      return files.map((file) => `${to}/${file}`)
    },
    relative: (path) => relative(dir, path),
  }
}

/**
 * A patch giving a Deployment's container ports on this machine's 127.0.0.1 (name, container
 * port, host port); with `more`, other fields of that container and of the pod's spec, and
 * containers of the pod to leave out.
 */
export function hostPorts(
  deployment: string,
  container: string,
  ports: Array<[string, number, number]>,
  more: { container?: object; pod?: object; drop?: string[] } = {},
): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deployment },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: container,
              ...more.container,
              ports: ports.map(([name, containerPort, hostPort]) => ({
                name,
                containerPort,
                hostPort,
                hostIP: '127.0.0.1',
              })),
            },
            ...(more.drop ?? []).map((name) => ({ name, $patch: 'delete' })),
          ],
          ...more.pod,
        },
      },
    },
  }
}
