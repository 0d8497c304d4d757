#!/usr/bin/env bash
# Runs the service locally: installs what is missing, prepares .dev.vars (a demo account and
# fresh secrets; scripts/dev-vars.sh), prints the credentials, the demo page and a first request,
# then starts wrangler dev on 127.0.0.1:8787 with KV persisted under .wrangler/state. wrangler
# runs scripts/build.sh first, which skips the build when no source changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

# Create .dev.vars from the example, add the settings a newer example has, and turn every
# GENERATE (also in a copied example) into a fresh random secret; stops naming the setting when
# the file cannot work (scripts/dev-vars.sh).
bash scripts/dev-vars.sh

value() { sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" .dev.vars | tail -n1 | sed -E "s/^([\"'])(.*)\\1[[:space:]]*$/\\2/"; }
sid=$(value ACCOUNT_SID)
token=$(value AUTH_TOKEN)
port=${PORT:-8787}
if [[ $(value DEV_MODE) == true ]]; then
  demo="Demo page:   http://127.0.0.1:$port/dev/demo
               open this to verify your own number through the dev log sink (the code
               appears in this terminal and at /dev/outbox)"
else
  demo="Demo page:   none (DEV_MODE is not true in .dev.vars)"
fi
cat <<MSG

  edge-verify is starting on http://127.0.0.1:$port
  Account SID: $sid
  Auth token:  $token      (from .dev.vars; keep it to yourself)

  $demo

  Try:
    curl -s -u '$sid:$token' http://127.0.0.1:$port/v2/Services -d FriendlyName=Demo
    curl -s -u '$sid:$token' http://127.0.0.1:$port/v2/Services/VA.../Verifications --data-urlencode To=+14155550100 -d Channel=sms
    curl -s -u '$sid:$token' http://127.0.0.1:$port/dev/outbox        # codes from the log sink

MSG
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
# The history database (D1, /v2/Attempts): apply migrations/*.sql to the local copy under
# .wrangler/state (offline; already applied ones are skipped).
npx wrangler d1 migrations apply HISTORY --local --persist-to .wrangler/state < /dev/null > /dev/null
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --persist-to .wrangler/state --show-interactive-dev-session=false
