#!/usr/bin/env bash
# Runs the service locally: installs what is missing, creates .dev.vars with a demo account and
# fresh secrets if there is none, prints the credentials and a first request, then starts
# wrangler dev on 127.0.0.1:8787 with KV persisted under .wrangler/state.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

if [[ ! -f .dev.vars ]]; then
  while IFS= read -r line; do
    if [[ $line == *=GENERATE ]]; then
      echo "${line%GENERATE}$(node -e 'process.stdout.write(require("crypto").randomBytes(16).toString("hex"))')"
    else
      echo "$line"
    fi
  done < .dev.vars.example > .dev.vars
  echo "Created .dev.vars with a demo account and fresh secrets."
fi

value() { sed -n "s/^$1=//p" .dev.vars | tail -n1; }
sid=$(value ACCOUNT_SID)
token=$(value AUTH_TOKEN)
port=${PORT:-8787}
cat <<MSG

  edge-verify is starting on http://127.0.0.1:$port
  Account SID: $sid
  Auth token:  $token      (from .dev.vars; keep it to yourself)

  Try:
    curl -s -u '$sid:$token' http://127.0.0.1:$port/v2/Services -d FriendlyName=Demo

MSG
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --persist-to .wrangler/state --show-interactive-dev-session=false
