#!/usr/bin/env bash
# Prepares .dev.vars for `wrangler dev` (called by scripts/dev.sh; `make dev`):
#   - creates it from .dev.vars.example when there is none;
#   - adds the settings a newer example has;
#   - replaces every GENERATE placeholder with a fresh random secret, also in an existing file
#     (the wrangler habit `cp .dev.vars.example .dev.vars` leaves them in place), editing those
#     lines in place and keeping every other line as it is;
#   - stops, naming the setting, when it cannot make the file work: a GENERATE inside a longer
#     value (a provider's credential has to come from the provider), or an ACCOUNT_SID,
#     AUTH_TOKEN or CODE_HMAC_KEY the worker would refuse.
# It never prints a secret. Usage: scripts/dev-vars.sh [DIR] (default: the repository), working
# on DIR/.dev.vars and DIR/.dev.vars.example.
set -euo pipefail
dir=${1:-"$(dirname "$0")/.."}
vars="$dir/.dev.vars"
example="$dir/.dev.vars.example"

fail() {
  echo "make dev: .dev.vars: $*" >&2
  exit 1
}

secret() {
  local hex
  hex=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
  [[ ${#hex} == 48 ]] || fail "$1 is GENERATE, and no random secret could be read from /dev/urandom: set it by hand (16+ characters)"
  printf '%s' "$hex"
}

[[ -f $example ]] || fail "there is no .dev.vars.example in $dir to start from"
if [[ ! -f $vars ]]; then
  : > "$vars" || fail "cannot create it"
  echo "Creating .dev.vars with a demo account and fresh secrets."
fi
[[ -w $vars ]] || fail "is not writable"

# Existing lines: each NAME=GENERATE (optionally quoted) becomes a fresh secret, in place.
placeholder='^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(["'\'']?)GENERATE(["'\'']?)[[:space:]]*$'
out=$(mktemp "$vars.XXXXXX")
trap 'rm -f "$out"' EXIT
changed=0
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line =~ $placeholder && ${BASH_REMATCH[2]} == "${BASH_REMATCH[3]}" ]]; then
    name=${BASH_REMATCH[1]}
    line="$name=$(secret "$name")"
    changed=1
    echo "  .dev.vars: generated $name (it was the placeholder GENERATE)"
  elif [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=.*GENERATE ]]; then
    fail "${BASH_REMATCH[1]} contains the placeholder GENERATE inside its value, which make dev cannot fill: put the real value there (or remove the line)"
  fi
  printf '%s\n' "$line" >> "$out"
done < "$vars"

# Settings the example has and the file lacks (a newer example, or a new file).
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^([A-Z_][A-Z0-9_]*)= ]] || continue
  name=${BASH_REMATCH[1]}
  grep -Eq "^[[:space:]]*$name[[:space:]]*=" "$out" && continue
  [[ $line == "$name=GENERATE" ]] && line="$name=$(secret "$name")"
  printf '%s\n' "$line" >> "$out"
  changed=1
  echo "  .dev.vars: set $name"
done < "$example"

# Write back only when something changed (keeps the file's permissions and inode).
if [[ $changed == 1 ]]; then
  cat "$out" > "$vars"
fi

# What the worker would refuse, said now rather than as a 500 on every request.
value() {
  local v
  v=$(sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$out" | tail -n1)
  v=${v%"${v##*[![:space:]]}"}
  [[ $v =~ ^\"(.*)\"$ || $v =~ ^\'(.*)\'$ ]] && v=${BASH_REMATCH[1]}
  printf '%s' "$v"
}
[[ $(value ACCOUNT_SID) =~ ^AC[0-9a-fA-F]{32}$ ]] \
  || fail "ACCOUNT_SID must be AC followed by 32 hex digits (the example has one)"
for name in AUTH_TOKEN CODE_HMAC_KEY; do
  v=$(value "$name")
  (( ${#v} >= 16 )) || fail "$name is shorter than 16 characters: set it to GENERATE and make dev puts a fresh random secret there"
done
