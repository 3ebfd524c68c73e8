"""The object store client (S3's API, services/objectstore), every call bounded: the TypeScript
replica's media/store.ts, with boto3."""

from __future__ import annotations

import time

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from .. import metrics
from ..config import Config
from ..errors import DependencyUnavailable


class MediaStore:
    def __init__(self, config: Config):
        self.bucket = config.s3_bucket
        self.timeout = config.dependency_timeout
        self.client = boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint,
            # Any region: the store has one. Path-style: the bucket in the path, not a host name.
            region_name="us-east-1",
            aws_access_key_id=config.s3_access_key_id,
            aws_secret_access_key=config.s3_secret_access_key,
            config=BotoConfig(
                s3={"addressing_style": "path"},
                connect_timeout=self.timeout,
                read_timeout=self.timeout,
                # One attempt: the client (or nginx, for a keyed request) retries the whole upload.
                retries={"total_max_attempts": 1},
                # boto3 would add CRC checksums the lab's store does not need to check.
                request_checksum_calculation="when_required",
            ),
        )

    def put(self, key: str, body: bytes, content_type: str) -> None:
        """Puts an object under its content-addressed key (writing it twice is harmless); a 503 when
        the store does not answer in time."""
        started = time.perf_counter()
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        except (BotoCoreError, ClientError) as err:
            metrics.OBJECTSTORE_SECONDS.labels("put", "error").observe(time.perf_counter() - started)
            raise DependencyUnavailable("object store") from err
        metrics.OBJECTSTORE_SECONDS.labels("put", "ok").observe(time.perf_counter() - started)

    def close(self) -> None:
        self.client.close()
