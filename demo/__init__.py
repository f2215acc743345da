"""The `make demo` run, and the process/receiver harness the e2e tests and benchmarks share."""
