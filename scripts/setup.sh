#!/usr/bin/env bash
# Installs everything radiod needs on a Debian/Ubuntu machine, idempotently:
# Debian packages (with sudo when not root) and a virtual environment in .venv.
#   scripts/setup.sh          what the station needs to run (Liquidsoap for its streams included)
#   scripts/setup.sh --test   plus what the test suite needs (browser, nginx, Liquidsoap, Icecast)
set -euo pipefail
cd "$(dirname "$0")/.."

# Liquidsoap encodes the streams ([streams] in radiod.toml; the demo streams HLS); without it radiod
# plays without streams.
RUNTIME_PACKAGES=(python3 python3-venv libvlc5 vlc-plugin-base ffmpeg pulseaudio pulseaudio-utils sqlite3 liquidsoap libchromaprint-tools)
TEST_PACKAGES=(chromium nginx-light icecast2 openssl wrk musepack-tools)

packages=("${RUNTIME_PACKAGES[@]}")
extra=""
if [[ "${1:-}" == "--test" ]]; then
    packages+=("${TEST_PACKAGES[@]}")
    extra="[test]"
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then
        SUDO="sudo"
        echo "radiod setup: installing ${missing[*]} with sudo" >&2
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The virtual environment is rebuilt only when pyproject.toml (or the extras asked for) changes.
stamp=".venv/.radiod-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)$extra"
if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
installed=""
[[ -f "$stamp" ]] && installed="$(cat "$stamp")"
if [[ "$installed" != "$want" && "$installed" != "$want[test]" ]]; then
    echo "radiod setup: installing Python packages into .venv (log: .venv/setup.log)" >&2
    if ! { .venv/bin/pip install --upgrade pip && .venv/bin/pip install -e ".$extra"; } > .venv/setup.log 2>&1; then
        tail -n 20 .venv/setup.log >&2
        echo "radiod setup: pip failed; the full log is in .venv/setup.log" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi

# axe-core (the accessibility rules the browser tests run) from npm into the venv's vendor folder:
# the pages under test load it from disk, never from a CDN.
AXE_VERSION=4.14.1
if [[ "${1:-}" == "--test" ]]; then
    if ! command -v npm >/dev/null; then
        SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
    fi
    axe=.venv/vendor/node_modules/axe-core
    if [[ ! -f "$axe/axe.min.js" || "$(node -p "require('./$axe/package.json').version" 2>/dev/null)" != "$AXE_VERSION" ]]; then
        echo "radiod setup: installing axe-core $AXE_VERSION into .venv/vendor (log: .venv/npm.log)" >&2
        mkdir -p .venv/vendor
        if ! npm install --prefix .venv/vendor --no-save --no-audit --no-fund "axe-core@$AXE_VERSION" > .venv/npm.log 2>&1; then
            tail -n 20 .venv/npm.log >&2
            exit 1
        fi
    fi
fi

# The panel's translations: web/translations/*/LC_MESSAGES/messages.po compiled to the .mo files it
# reads (not kept in git; a quick step, so done on every run).
.venv/bin/python scripts/translations.py compile

# mypy checks the panel under its installed name; it cannot follow setuptools' package-dir mapping.
mkdir -p .venv/mypy-path
ln -sfn ../../web .venv/mypy-path/radiod_web
