#!/usr/bin/env bash
# Lighthouse 12 against a local bodydouble, with Debian's Chromium.
#
# Builds the binary, starts it on a free loopback port with a temporary data
# directory, and runs lighthouse@12.2.3 (npm; it never downloads a browser:
# CHROME_PATH points at Chromium):
#   1. the landing page, a first visit: the Lighthouse CLI, default settings
#      (mobile emulation, simulated slow 4G and a 4x slower CPU);
#   2. the lobby and a room, as someone who signed in before: a Lighthouse
#      user flow (Node API and puppeteer-core) clicks "Start anonymously" and
#      "Find me a room", and measures each screen as a navigation with the
#      session cookie and the app's local storage kept, but the HTTP cache,
#      Cache Storage and the service worker cleared, so each load is cold.
# It prints the four category scores of each and stops the server.
#
#   scripts/lighthouse.sh            # reports in a temporary directory
#   LIGHTHOUSE_OUT=dir scripts/lighthouse.sh
#
# Needs Go, Node 20+ and npm, and Chromium (CHROME_PATH, default
# /usr/bin/chromium). Lighthouse is installed once into
# ${XDG_CACHE_HOME:-~/.cache}/bodydouble/lighthouse-12.2.3. Every request
# goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE_VERSION=12.2.3
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run --disable-sync --disable-quic"
LH_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/bodydouble/lighthouse-$LIGHTHOUSE_VERSION"

[ -x "$CHROME_PATH" ] || { echo "lighthouse.sh: no Chromium at $CHROME_PATH (apt-get install chromium)" >&2; exit 1; }

tmp="$(mktemp -d)"
out="${LIGHTHOUSE_OUT:-$tmp/reports}"
mkdir -p "$out"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp/data" "$tmp/bodydouble"
}
trap cleanup EXIT

if [ ! -x "$LH_DIR/node_modules/.bin/lighthouse" ]; then
	echo "Installing lighthouse@$LIGHTHOUSE_VERSION into $LH_DIR" >&2
	mkdir -p "$LH_DIR"
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$LH_DIR" --no-audit --no-fund --loglevel=error \
		"lighthouse@$LIGHTHOUSE_VERSION" >&2
fi

go build -o "$tmp/bodydouble" ./cmd/bodydouble
"$tmp/bodydouble" --addr 127.0.0.1:0 --data-dir "$tmp/data" --rate-limit=off >"$tmp/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 100); do
	url="$(sed -n 's/.*msg="bodydouble listening" url=\([^ ]*\).*/\1/p' "$tmp/server.log")"
	[ -n "$url" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$url" ] || { echo "lighthouse.sh: the server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
echo "bodydouble at $url; reports in $out" >&2

scores() { # scores NAME REPORT.json
	node -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
		const c = r.categories;
		const s = (k) => String(Math.round(c[k].score * 100)).padStart(3);
		console.log(`${process.argv[1].padEnd(8)} performance ${s("performance")}  accessibility ${s("accessibility")}  best-practices ${s("best-practices")}  seo ${s("seo")}`);
	' "$1" "$2"
}

"$LH_DIR/node_modules/.bin/lighthouse" "$url/" \
	--quiet --no-enable-error-reporting --chrome-flags="$CHROME_FLAGS" \
	--output=json --output=html --output-path="$out/landing" >&2
echo "Lighthouse $LIGHTHOUSE_VERSION, $("$CHROME_PATH" --version 2>/dev/null), $(date -u +%Y-%m-%d)"
scores landing "$out/landing.report.json"

cat >"$LH_DIR/flow.mjs" <<'EOF'
// The lobby and a room as a returning visitor (see scripts/lighthouse.sh).
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';
import { startFlow } from 'lighthouse';

const [url, out, flags] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH,
  headless: true,
  args: flags.split(' ').filter((f) => f !== '--headless'),
});
try {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  // Cold caches, but the session cookie and local storage kept.
  const cold = async () => {
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Storage.clearDataForOrigin', { origin: url, storageTypes: 'cache_storage,service_workers' });
  };
  await page.goto(`${url}/`);
  await page.click('[data-testid="start-anon"]');
  await page.waitForSelector('[data-testid="find-room"]');

  const flow = await startFlow(page, { name: 'Body Double, signed in' });
  await cold();
  await flow.navigate(`${url}/lobby`, { name: 'lobby', disableStorageReset: true });
  await page.waitForSelector('[data-testid="find-room"]');
  await page.click('[data-testid="find-room"]');
  await page.waitForSelector('[data-testid="room-title"]');
  const room = page.url();
  await cold();
  await flow.navigate(room, { name: 'room', disableStorageReset: true });
  await page.waitForSelector('[data-testid="room-title"]');

  const result = await flow.createFlowResult();
  fs.writeFileSync(`${out}/signed-in.flow.html`, await flow.generateReport());
  for (const step of result.steps) {
    fs.writeFileSync(`${out}/${step.name}.report.json`, JSON.stringify(step.lhr));
  }
} finally {
  await browser.close();
}
EOF
node "$LH_DIR/flow.mjs" "$url" "$out" "$CHROME_FLAGS"
scores lobby "$out/lobby.report.json"
scores room "$out/room.report.json"
