#!/usr/bin/env bash
# Runs every benchmark scenario against the StreamKit server jar and the plain grpc-java baselines, interleaved,
# and prints the medians and ratios (docs/BENCHMARKS.md). Arguments go to `compare`, e.g. --runs 5 or
# --only bidi-greeter,fanout-1k. The Redis cases start their own redis-server (AOF everysec). Not part of
# ./mvnw verify: a full run takes about 45 minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -d /usr/lib/jvm/java-17-openjdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [[ ! -f server-app/target/streamkit-server.jar || ! -f benchmarks/target/streamkit-bench.jar || "${REBUILD:-0}" == 1 ]]; then
  ./mvnw -B -q package -DskipTests -pl server,benchmarks -am
fi
if ! command -v redis-server >/dev/null; then
  echo "redis-server not found: the Redis cases (ingest-redis, fanout-1k-redis, latency-redis) will be skipped (Debian: apt-get install -y redis-server)" >&2
fi
if ! command -v iperf3 >/dev/null; then
  echo "iperf3 not found: the loopback TCP figure will be missing (Debian: apt-get install -y iperf3)" >&2
fi
exec "$JAVA" -Xmx1g -jar benchmarks/target/streamkit-bench.jar compare "$@"
