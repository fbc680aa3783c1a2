#!/usr/bin/env bash
# Writes seeded click-shaped sparse data (LibSVM, 2^18 features, 40 non-zeros per row) for
# conf/clicks-mlp.conf: data/clicks/train (100k rows) and data/clicks/test (20k rows) by default.
# Options: --out DIR, --rows N, --test-rows N, --master URL.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
source jobs/lib.sh
run_job "$caller" org.sparknn.bench.ClickDataMain "$@"
