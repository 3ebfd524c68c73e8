#!/bin/sh
# The lab's object store: SeaweedFS (master, volume, filer and S3 gateway in one process), started
# the same way in both run modes (native: tools/lab/src/modes/native/services/objectstore.ts;
# Docker: compose.yaml's objectstore service, with either image). It writes the S3 identities
# from the environment (a file, so the secret never shows in `ps`), then becomes `weed`.
#
# Two identities: the replicas' key (read, write and list on the media bucket, and admin of that
# bucket only, so the migration can create it), and anonymous reads of the same bucket, which is
# how nginx fetches media without signing. Only nginx and the replicas can reach this port
# (loopback natively, the internal backend network in Docker mode); nothing anonymous can list
# or write.
set -eu
: "${OBJECTSTORE_DIR:?}" "${OBJECTSTORE_IP:?}" "${OBJECTSTORE_S3_PORT:?}" "${OBJECTSTORE_METRICS_PORT:?}"
: "${S3_BUCKET:?}" "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"

umask 077
mkdir -p "$OBJECTSTORE_DIR/data"
cat >"$OBJECTSTORE_DIR/s3.json" <<JSON
{
  "identities": [
    { "name": "anonymous", "actions": ["Read:$S3_BUCKET"] },
    {
      "name": "replicas",
      "credentials": [{ "accessKey": "$S3_ACCESS_KEY_ID", "secretKey": "$S3_SECRET_ACCESS_KEY" }],
      "actions": ["Admin:$S3_BUCKET", "Read:$S3_BUCKET", "Write:$S3_BUCKET", "List:$S3_BUCKET"]
    }
  ]
}
JSON

# Its other servers on the next ports up (master, volume, filer), then the four gRPC ports (S3,
# master, volume, filer): one block of eight, so a second lab with its ports moved (the lab's
# own lifecycle tests add 10000 to each) never meets this one. Every one is bound to
# OBJECTSTORE_BIND (default: OBJECTSTORE_IP, the address the servers tell each other). The
# Iceberg and Lance catalogs are off; no usage report leaves the machine (-master.telemetry).
s3=$OBJECTSTORE_S3_PORT
exec weed server \
  -dir="$OBJECTSTORE_DIR/data" \
  -ip="$OBJECTSTORE_IP" -ip.bind="${OBJECTSTORE_BIND:-$OBJECTSTORE_IP}" \
  -master.port=$((s3 + 1)) -master.port.grpc=$((s3 + 5)) \
  -volume.port=$((s3 + 2)) -volume.port.grpc=$((s3 + 6)) \
  -filer -filer.port=$((s3 + 3)) -filer.port.grpc=$((s3 + 7)) \
  -s3 -s3.port="$s3" -s3.port.grpc=$((s3 + 4)) -s3.config="$OBJECTSTORE_DIR/s3.json" \
  -s3.port.iceberg=0 -s3.port.lance=0 \
  -metricsIp="${OBJECTSTORE_BIND:-$OBJECTSTORE_IP}" -metricsPort="$OBJECTSTORE_METRICS_PORT" \
  -master.volumeSizeLimitMB="${OBJECTSTORE_VOLUME_SIZE_MB:-256}" -volume.max=0 -volume.preStopSeconds=1 \
  -master.resumeState=false -master.telemetry=false
