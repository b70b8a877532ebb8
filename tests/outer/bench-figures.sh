#!/bin/bash
# The benchmark's figures (bench/lib/report.py, runs.py, seconds.py) from
# made-up runs whose answers are worked out by hand.
python3 "$TOP/tests/outer/bench_figures.py" "$TOP"
