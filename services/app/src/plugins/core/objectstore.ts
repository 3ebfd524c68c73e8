import type { S3Client } from '@aws-sdk/client-s3'
import fp from 'fastify-plugin'
import { Histogram } from 'prom-client'
import { useDiskMedia } from '../../lab/anti-patterns.ts' // lab-only
import { createS3, putObject } from '../../media/store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Puts an object in the media bucket, within `budgetMs`; a 503 when the store does not answer. */
    putMedia(key: string, body: Buffer, contentType: string, budgetMs: number): Promise<void>
    /** Where a client reads a stored object: the balancer serves /media/ from the store. */
    mediaUrl(key: string): string
  }
}

/**
 * The object store (S3's API) for media: one client per replica, closed with the app. Not part
 * of readiness: a replica whose store is down still serves everything but uploads (a 503 each),
 * as one whose standby is down still serves reads from the primary.
 */
export default fp(
  async (app) => {
    // The lab's anti-pattern switch MEDIA_STORE=disk (lab/anti-patterns.ts).
    if (app.config.MEDIA_STORE === 'disk') return useDiskMedia(app) // lab-only
    app.decorate('mediaUrl', (key: string) => `/media/${key}`)
    const s3: S3Client = createS3(app.config)
    const duration = new Histogram({
      name: 'objectstore_request_duration_seconds',
      help: 'Time for a call to the object store, by operation and outcome (ok, error).',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [app.metricsRegistry],
    })
    // From the start, at 0: dashboards and alerts see "no uploads yet", not "no data".
    for (const outcome of ['ok', 'error']) duration.zero({ operation: 'put', outcome })
    app.decorate('putMedia', async (key: string, body: Buffer, contentType: string, budgetMs: number) => {
      const end = duration.startTimer({ operation: 'put' })
      try {
        await putObject(s3, app.config.S3_BUCKET, key, body, contentType, budgetMs)
        end({ outcome: 'ok' })
      } catch (err) {
        end({ outcome: 'error' })
        throw err
      }
    })
    app.addHook('onClose', async () => s3.destroy())
  },
  { name: 'objectstore', dependencies: ['config', 'metrics'] },
)
