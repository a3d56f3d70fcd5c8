#!/usr/bin/env bash
# The size of what ships in the apps: samat-ffi built as a cdylib with the size-tuned
# `release-ffi` profile (fat LTO, codegen-units = 1, opt-level = "z", panic = "unwind"), then
# stripped, for this machine (x86_64 Linux: a proxy for one Android ABI). Fails over 6 MB, or if
# OpenSSL shows up in the dependency tree (TLS must be rustls). Results: bench/README.md.
#   bash bench/ffi-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
unset LIBSQLITE3_FLAGS   # measure the SQLite that ships (.cargo/config.toml), not a local override
exec cargo xtask size
