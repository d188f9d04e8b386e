#!/usr/bin/env bash
# Runs its arguments with Node 24 first on PATH: the node already there if it is 24 or newer, else Node 24.21.0
# from the npm registry (package node-linux-<arch>), installed once into .node/ of the repo.
set -euo pipefail
NODE_VERSION=24.21.0
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/node24.sh COMMAND [ARGS...]   (e.g. bash scripts/node24.sh npm start)" >&2
  exit 2
fi

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node24.sh: no Node 24 package for $(uname -m); install Node 24 yourself" >&2; exit 1 ;;
  esac
  bin="$repo/.node/node_modules/node-linux-$arch/bin"
  if [ "$("$bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "node24.sh: needs npm to fetch Node $NODE_VERSION (Debian: apt-get install npm), or install Node 24 yourself" >&2
      exit 1
    fi
    echo "node24.sh: installing Node $NODE_VERSION into $repo/.node (once; npm caches the download)" >&2
    # The npm registry is the one download channel; --prefer-offline reuses npm's cache on later clones.
    npm install --prefix "$repo/.node" --no-save --no-package-lock --no-audit --no-fund --prefer-offline \
      --loglevel=error "node-linux-$arch@$NODE_VERSION" >&2
  fi
  export PATH="$bin:$PATH"
fi
exec "$@"
