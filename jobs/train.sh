#!/usr/bin/env bash
# sparknn train job (see README). Exit code 0 on success, 2 on bad arguments, configuration or
# input, 1 on other failures, with a one-line reason.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
source jobs/lib.sh
run_job "$caller" org.sparknn.cli.TrainMain "$@"
