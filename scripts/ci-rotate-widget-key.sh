#!/usr/bin/env bash
# A CI job that rotates a project's widget secret key with only a project API key
# (README "Automating with API keys"): rotate with a grace period, read the new key, hand it
# to the backend that signs widget tokens, and check the widget API accepts its tokens.
# No secret is ever printed. Needs curl, jq and node (with jsonwebtoken, as the backend uses).
#
#   HISSUNO_API=https://hissuno.example.com HISSUNO_PROJECT_ID=<uuid> \
#   HISSUNO_API_KEY=hsk_… GRACE_PERIOD_SECONDS=3600 scripts/ci-rotate-widget-key.sh
set -euo pipefail
: "${HISSUNO_API:?}" "${HISSUNO_PROJECT_ID:?}" "${HISSUNO_API_KEY:?}"
grace="${GRACE_PERIOD_SECONDS:-3600}"
project="$HISSUNO_API/api/v1/projects/$HISSUNO_PROJECT_ID"
auth="Authorization: Bearer $HISSUNO_API_KEY"

# 1. Rotate: the old key keeps working for $grace seconds, so nothing breaks meanwhile.
rotated=$(curl -fsS -X POST "$project/widget/secret-key/rotate" -H "$auth" \
  -H 'Content-Type: application/json' -d "{\"gracePeriodSeconds\": $grace}")
epoch=$(jq -r .keyEpoch <<<"$rotated")

# 2. Read the new key back (what a later job, or another step, would do).
current=$(curl -fsS "$project/widget/secret-key" -H "$auth")
[ "$(jq -r .keyEpoch <<<"$current")" = "$epoch" ] || { echo "key epoch moved on" >&2; exit 1; }
export HISSUNO_SECRET_KEY
HISSUNO_SECRET_KEY=$(jq -r .secretKey <<<"$current")

# 3. Deploy it to the backend. Here: sign a token exactly as the backend does (product docs).
token=$(node -e '
  const jwt = require("jsonwebtoken");
  process.stdout.write(jwt.sign(
    { userId: "ci-smoke-test", userMetadata: { name: "CI" } },
    process.env.HISSUNO_SECRET_KEY,
    { algorithm: "HS256", expiresIn: "24h" }
  ));')

# 4. Smoke test: the widget API verifies a token signed with the new key.
verified=$(curl -fsS "$HISSUNO_API/api/v1/widget/$HISSUNO_PROJECT_ID/config" \
  -H "Authorization: Bearer $token" | jq -r .identity.verified)
[ "$verified" = "true" ] || { echo "the widget API did not verify the new key's token" >&2; exit 1; }
echo "rotated to key epoch $epoch (grace ${grace}s); the widget API verified a token signed with it"
