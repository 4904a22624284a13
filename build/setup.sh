#!/usr/bin/env bash
# Installs what a job needs on a fresh Debian machine, and nothing when it is already there.
#   build/setup.sh demo    Fashion-MNIST (Debian package dataset-fashion-mnist) and verilator (stage 4's co-simulation)
#   build/setup.sh bench   PyTorch peer for benchmarks (Debian packages python3-torch and libopenblas0-pthread:
#                          without an optimised BLAS, Debian's libblas.so.3 is the slow reference BLAS and the
#                          peer runs about 1.5x slower than it can)
#   build/setup.sh hw      the RTL tools of 'emamba hw' (Debian packages verilator, iverilog, yosys and nextpnr-ice40)
#   build/setup.sh test    what the tests need: the RTL tools of 'hw' (the co-simulation and yosys tests) and
#                          PostgreSQL (the study storage tests); the tests otherwise use generated files
#   build/setup.sh base    nothing beyond the .NET SDK (every other command)
set -euo pipefail
need=()
case "${1:-test}" in
  demo)  [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
         command -v verilator >/dev/null || need+=(verilator) ;;   # stage 4 co-simulates the accelerator
  bench) /usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
         dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'ok installed' || need+=(libopenblas0-pthread) ;;
  hw|test) command -v verilator >/dev/null || need+=(verilator)
         command -v iverilog >/dev/null || need+=(iverilog)
         command -v yosys >/dev/null || need+=(yosys)
         command -v nextpnr-ice40 >/dev/null || need+=(nextpnr-ice40)   # iCE40 place and route (hw synth --target ice40)
         # the study storage tests start a throwaway PostgreSQL server (initdb, pg_ctl)
         [ "${1:-test}" != test ] || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql) ;;
  base) ;;
  *) echo "setup.sh: unknown job '$1' (demo, bench, hw, test, base)" >&2; exit 2 ;;
esac
command -v python3 >/dev/null || need+=(python3)   # the TorchSharp load fix (build/weaken-glibcxx.py)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]} (apt-get)" >&2
  $sudo apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi
if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH" >&2
  exit 1
fi
