#!/usr/bin/env bash
# Runs the service locally: installs what is missing, creates .dev.vars with a demo account and
# fresh secrets if there is none, prints the credentials and a first request, then starts
# wrangler dev on 127.0.0.1:8787 with KV persisted under .wrangler/state.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh

# Create .dev.vars from the example, or add the settings a newer example has; GENERATE becomes
# a fresh random secret.
[[ -f .dev.vars ]] || { : > .dev.vars; echo "Creating .dev.vars with a demo account and fresh secrets."; }
while IFS= read -r line; do
  [[ $line =~ ^([A-Z_]+)= ]] || continue
  grep -q "^${BASH_REMATCH[1]}=" .dev.vars && continue
  if [[ $line == *=GENERATE ]]; then
    line="${line%GENERATE}$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')"
  fi
  echo "$line" >> .dev.vars
  echo "  .dev.vars: set ${BASH_REMATCH[1]}"
done < .dev.vars.example

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
    curl -s -u '$sid:$token' http://127.0.0.1:$port/v2/Services/VA.../Verifications --data-urlencode To=+14155550100 -d Channel=sms
    curl -s -u '$sid:$token' http://127.0.0.1:$port/dev/outbox        # codes from the log sink

MSG
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --persist-to .wrangler/state --show-interactive-dev-session=false
