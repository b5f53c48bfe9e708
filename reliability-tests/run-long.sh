#!/usr/bin/env bash
# The long reliability runs, each chaos run for DURATION with 200 resuming subscribers: the chaos restart
# (in-memory broker, one server process killed with SIGKILL and restarted every 4 s), the chaos with Redis
# (three server processes on one redis-server, one killed with SIGKILL and restarted every 3 s, in turn; needs
# redis-server installed), and the churn of 100,000 Chat and 100,000 Subscribe streams. Figures are printed to the
# test reports under reliability-tests/target/.
# Usage: reliability-tests/run-long.sh [DURATION]   (DURATION like 60s or 10m; default 60s)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration="${1:-60s}"
if [[ -d /usr/lib/jvm/java-17-openjdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
fi
# Time limits from the duration: a chaos test takes DURATION plus about a minute; the churn of 100,000 streams of
# each kind a few minutes. Each test gets 2 x DURATION + 10 min, the test JVM of each plugin three times that.
case "$duration" in
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  *) seconds=$duration ;;
esac
test_timeout=$(( 2 * seconds + 600 ))
./mvnw -B verify -P reliability -pl reliability-tests -am \
  -Dreliability.duration="$duration" \
  -Dtest.timeout="$test_timeout s" -Dtest.forkTimeout=$(( 3 * test_timeout )) \
  -Dtest=ChurnTest -Dit.test='ChaosRestartIT,ChaosRedisIT' \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
grep -h -E '^(chaos|churn)' reliability-tests/target/surefire-reports/*-output.txt \
  reliability-tests/target/failsafe-reports/*-output.txt
