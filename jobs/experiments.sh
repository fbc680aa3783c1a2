#!/usr/bin/env bash
# sparknn experiments (see README, "Experiments"): the notes' claims about dropout, batch norm and
# L1/L2 as jobs. jobs/experiments.sh <name|all> [--conf FILE] [--out DIR] [--overwrite] [--master URL] [key=value ...]
# Each experiment reads conf/experiments/<name>.conf and writes runs/experiments/<name>/ (table.csv,
# table.md, runs.csv, PNG plots, verdict.md, report.md); runs/experiments/index.md links them.
# Exit code 0 on success, 2 on bad arguments, configuration or input, 1 on other failures.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
source jobs/lib.sh
run_job "$caller" org.sparknn.cli.ExperimentsMain "$@"
