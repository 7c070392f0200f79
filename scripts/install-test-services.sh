#!/usr/bin/env bash
# Installs and builds the real servers the tests start (see tests/services/README.md):
#   PostgreSQL and Redis from Debian's packages, MinIO built from source with Go,
#   Elasticsearch 8 resolved from Maven Central plus a small launcher compiled here.
# No Docker and no downloads besides the package registries. Idempotent: what is already
# installed or cached is kept, so a second run takes about a second.
#
# Cache: ${ARCHIVE_TEST_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/archive-test-services}
#   minio/<version>/minio          the MinIO binary (one directory per pinned version)
#   minio/current -> <version>     what tests/services uses
#   elasticsearch/classpath        launcher classes + server jars (jars stay in ~/.m2)
#   elasticsearch/modules/         module bundles loaded by the node (netty4, test shims)
#   verapdf/classpath              veraPDF, the PDF/A validator of the preservation tests (jars
#                                  stay in ~/.m2)
# Go's module/build caches (~/go/pkg/mod, ~/.cache/go-build) and ~/.m2 persist as usual.
set -euo pipefail

# MinIO has no tagged Go-module releases (its tags are not semver), so pin a pseudo-version:
# this is what `go list -m github.com/minio/minio@latest` gave on 2026-11-29 (commit 7aac2a2c5b7c,
# 2026-02-12). Its go.mod asks for go 1.24, so the machine's Go 1.26 builds it; no GOTOOLCHAIN.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${ARCHIVE_TEST_SERVICES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/archive-test-services}
ES_SRC=$ROOT/tests/services/es
VERAPDF_SRC=$ROOT/tests/services/verapdf

log() { printf '[install-test-services] %s\n' "$*"; }
die() { printf '[install-test-services] ERROR: %s\n' "$*" >&2; exit 1; }
timed() { # timed LABEL CMD... : run CMD and log how long it took
  local label=$1 start=$SECONDS; shift
  "$@"
  log "$label took $((SECONDS - start)) s"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one install at a time per cache (parallel CI jobs, a developer's second shell)

# --- Debian packages --------------------------------------------------------------------
pg_bin_dir() { # newest /usr/lib/postgresql/<major>/bin that has initdb
  local d; d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}
apt_pkgs=()
command -v redis-server >/dev/null || apt_pkgs+=(redis-server)
pg_bin_dir >/dev/null || apt_pkgs+=(postgresql)
{ command -v java && command -v javac; } >/dev/null || apt_pkgs+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || apt_pkgs+=(maven)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${apt_pkgs[*]}"
    SUDO=sudo
  fi
  log "apt-get install ${apt_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
else
  log "apt packages: redis-server, postgresql, java, maven already present"
fi
log "postgresql binaries: $(pg_bin_dir)"

# --- MinIO (Go, from source) ------------------------------------------------------------
GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; } || die "go not found"
minio_dir=$CACHE/minio/$MINIO_VERSION
if [ -x "$minio_dir/minio" ]; then
  log "minio $MINIO_VERSION: cached"
else
  log "minio $MINIO_VERSION: building with $("$GO" env GOVERSION) (cold: about 5-6 minutes on 2 cores)"
  mkdir -p "$minio_dir.tmp"
  build_minio() {
    env GOBIN="$minio_dir.tmp" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
      "$GO" install "github.com/minio/minio@$MINIO_VERSION" >"$minio_dir.log" 2>&1 \
      || { tail -n 50 "$minio_dir.log" >&2; die "minio build failed; log: $minio_dir.log"; }
  }
  timed "minio build" build_minio
  rm -rf "$minio_dir" && mv "$minio_dir.tmp" "$minio_dir"
  # drop builds of other pinned versions (150 MB each)
  find "$CACHE/minio" -mindepth 1 -maxdepth 1 ! -name "$MINIO_VERSION*" ! -name current -exec rm -rf {} +
fi
ln -sfn "$MINIO_VERSION" "$CACHE/minio/current"

# --- Elasticsearch 8 (Maven Central + launcher) -----------------------------------------
es_dir=$CACHE/elasticsearch
es_inputs() { cat "${BASH_SOURCE[0]}" "$ES_SRC/pom.xml" "$ES_SRC/settings.xml" $(find "$ES_SRC/src" -name '*.java' | sort); }
es_stamp=$(es_inputs | sha256sum | cut -c1-16)
es_cached() { # same inputs (this script, pom, sources), and every classpath jar still in ~/.m2
  [ "$(cat "$es_dir/stamp" 2>/dev/null)" = "$es_stamp" ] || return 1
  local entry; local IFS=:
  for entry in $(cat "$es_dir/classpath"); do [ -e "$entry" ] || return 1; done
}
if es_cached; then
  log "elasticsearch $(cat "$es_dir/version"): cached"
else
  log "elasticsearch: resolving $ES_SRC/pom.xml from Maven Central"
  tmp=$es_dir.tmp; rm -rf "$tmp"; mkdir -p "$tmp/classes" "$tmp/shims" \
    "$tmp/modules/transport-netty4" "$tmp/modules/archive-test-shims"
  resolve() {
    mvn -B -s "$ES_SRC/settings.xml" -f "$ES_SRC/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$tmp/all.classpath" >"$tmp/mvn.log" 2>&1 || { cat "$tmp/mvn.log" >&2; die "maven failed"; }
  }
  timed "maven resolve" resolve
  # Split as the distribution does: the transport-netty4 module's jars go to modules/, the rest is lib.
  lib=()
  IFS=: read -r -a entries <"$tmp/all.classpath" || true # the file has no final newline
  for jar in "${entries[@]}"; do
    case "$(basename "$jar")" in
      transport-netty4-*.jar | elasticsearch-ssl-config-*.jar | netty-*.jar) cp "$jar" "$tmp/modules/transport-netty4/" ;;
      *) lib+=("$jar") ;;
    esac
  done
  es_jar=$(printf '%s\n' "${lib[@]}" | grep -E '/elasticsearch-[0-9][^/]*\.jar$') || die "server jar not resolved"
  es_version=$(basename "$es_jar" .jar); es_version=${es_version#elasticsearch-}
  lib_cp=$(IFS=:; echo "${lib[*]}")
  # The module's own descriptor, minus `modulename`: the node runs on the classpath, not as the
  # org.elasticsearch.server JPMS module, so the module is loaded the non-modular way.
  python3 - "$tmp/modules/transport-netty4" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
jar = glob.glob(d + "/transport-netty4-*.jar")[0]
text = zipfile.ZipFile(jar).read("META-INF/es-plugins/transport-netty4/plugin-descriptor.properties").decode()
lines = [l for l in text.splitlines() if not l.startswith("modulename=")]
open(d + "/plugin-descriptor.properties", "w").write("\n".join(lines) + "\n")
PY
  cat >"$tmp/modules/archive-test-shims/plugin-descriptor.properties" <<EOF
description=Test-only stand-ins for module pieces not on Maven Central (see TestShimsPlugin.java)
version=1.0
name=archive-test-shims
classname=archive.testservices.shims.TestShimsPlugin
java.version=17
elasticsearch.version=$es_version
EOF
  javac -nowarn --release 17 -encoding UTF-8 -cp "$lib_cp" -d "$tmp/classes" \
    "$ES_SRC/src/archive/testservices/EsTestNode.java"
  javac -nowarn --release 17 -encoding UTF-8 -cp "$lib_cp" -d "$tmp/shims" \
    "$ES_SRC/src/archive/testservices/shims/TestShimsPlugin.java"
  jar --create --file "$tmp/modules/archive-test-shims/archive-test-shims.jar" -C "$tmp/shims" .
  rm -rf "$tmp/shims" "$tmp/all.classpath" "$tmp/mvn.log"
  echo "$es_dir/classes:$lib_cp" >"$tmp/classpath"
  echo "$es_version" >"$tmp/version"
  echo "$es_stamp" >"$tmp/stamp"
  rm -rf "$es_dir" && mv "$tmp" "$es_dir"
  log "elasticsearch $es_version: ready in $es_dir"
fi

# --- veraPDF (Maven Central) -------------------------------------------------------------
vp_dir=$CACHE/verapdf
vp_stamp=$(cat "$VERAPDF_SRC/pom.xml" "$ES_SRC/settings.xml" | sha256sum | cut -c1-16)
vp_cached() { # same pom, and every classpath jar still in ~/.m2
  [ "$(cat "$vp_dir/stamp" 2>/dev/null)" = "$vp_stamp" ] || return 1
  local entry; local IFS=:
  for entry in $(cat "$vp_dir/classpath"); do [ -e "$entry" ] || return 1; done
}
if vp_cached; then
  log "verapdf $(cat "$vp_dir/version"): cached"
else
  log "verapdf: resolving $VERAPDF_SRC/pom.xml from Maven Central"
  tmp=$vp_dir.tmp; rm -rf "$tmp"; mkdir -p "$tmp"
  resolve_verapdf() {
    mvn -B -s "$ES_SRC/settings.xml" -f "$VERAPDF_SRC/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$tmp/classpath" >"$tmp/mvn.log" 2>&1 || { cat "$tmp/mvn.log" >&2; die "maven failed"; }
  }
  timed "maven resolve (verapdf)" resolve_verapdf
  vp_version=$(java -cp "$(cat "$tmp/classpath")" org.verapdf.apps.GreenfieldCliWrapper --version 2>/dev/null \
    | sed -n 's/^veraPDF \([0-9.]*\).*/\1/p' | head -n 1)
  [ -n "$vp_version" ] || die "verapdf resolved but does not run: java -cp \$(cat $tmp/classpath) org.verapdf.apps.GreenfieldCliWrapper --version"
  echo "$vp_version" >"$tmp/version"
  echo "$vp_stamp" >"$tmp/stamp"
  rm -f "$tmp/mvn.log"
  rm -rf "$vp_dir" && mv "$tmp" "$vp_dir"
  log "verapdf $vp_version: ready in $vp_dir"
fi
log "done; cache: $CACHE"
