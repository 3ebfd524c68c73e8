// The object store client (S3's API, services/objectstore): one per replica, every call bounded.
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { DependencyUnavailable } from '../errors.ts'

export interface StoreConfig {
  S3_ENDPOINT: string
  S3_BUCKET: string
  S3_ACCESS_KEY_ID: string
  S3_SECRET_ACCESS_KEY: string
  DEPENDENCY_TIMEOUT_MS: number
}

export function createS3(config: StoreConfig): S3Client {
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    // Any region: the store has one. Path-style: the bucket in the path, not in a host name.
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    // One attempt: the client (or nginx, for a keyed request) retries the whole upload.
    maxAttempts: 1,
    // The SDK's own Node handler with these options (its default waits without a bound).
    requestHandler: {
      connectionTimeout: config.DEPENDENCY_TIMEOUT_MS,
      requestTimeout: config.DEPENDENCY_TIMEOUT_MS,
    },
  })
}

/**
 * Puts an object under its content-addressed key. The same key always holds the same bytes, so
 * writing it twice is harmless; any failure to get an answer in `budgetMs` is a 503.
 */
export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  contentType: string,
  budgetMs: number,
): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), {
      abortSignal: AbortSignal.timeout(budgetMs),
    })
  } catch (err) {
    throw new DependencyUnavailable('object store', err)
  }
}

/** Creates the bucket unless it exists (the migration runs this once per `up`). */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<'created' | 'exists'> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
    return 'exists'
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  return 'created'
}
