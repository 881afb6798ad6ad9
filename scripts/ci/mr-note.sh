#!/usr/bin/env bash
# Posts a Markdown file as a note on the merge request of this pipeline, or updates the note that
# already starts with the same first line (a hidden marker such as
# <!-- hello-stack:changeset-preview -->), so every push updates one note instead of adding one.
#
# usage: mr-note.sh FILE
# Environment: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID (set by GitLab in merge-request
# pipelines) and GITLAB_API_TOKEN: a project access token with the api scope (CI_JOB_TOKEN cannot
# write notes), kept in a masked CI/CD variable.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

(($# == 1)) || die "usage: mr-note.sh FILE"
file=$1
[[ -s "$file" ]] || die "note file $file is missing or empty"
require_env CI_API_V4_URL CI_PROJECT_ID CI_MERGE_REQUEST_IID GITLAB_API_TOKEN

marker=$(head -n 1 "$file")
[[ "$marker" == '<!--'*'-->' ]] || die "the first line of $file must be a hidden marker like <!-- name -->"
notes_url="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"

# The token goes to curl in a private header file (curl -H @FILE, curl 7.55+), never on its command
# line, where any process on the runner could read it.
header_file=$(umask 077 && mktemp)
trap 'rm -f "$header_file"' EXIT
printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_API_TOKEN" >"$header_file"

api() {
  curl --silent --show-error --fail --retry 3 --header "@$header_file" "$@" \
    || die "GitLab API request failed ($*): check that GITLAB_API_TOKEN is a project access token with the api scope and at least the Reporter role"
}

# Find our note: the API lists 100 notes a page at most.
note_id=""
for ((page = 1; page <= 50; page++)); do
  notes=$(api "$notes_url?per_page=100&page=$page&sort=asc&order_by=created_at")
  note_id=$(jq -r --arg marker "$marker" \
    '[.[] | select((.system | not) and (.body | startswith($marker)))][0].id // empty' <<<"$notes")
  [[ -z "$note_id" && $(jq length <<<"$notes") -eq 100 ]] || break
done

payload=$(jq -Rs '{body: .}' "$file")
if [[ -n "$note_id" ]]; then
  log "updating note $note_id on merge request !$CI_MERGE_REQUEST_IID"
  api --request PUT --header 'Content-Type: application/json' --data-binary @- \
    "$notes_url/$note_id" <<<"$payload" >/dev/null
else
  log "adding a note to merge request !$CI_MERGE_REQUEST_IID"
  api --request POST --header 'Content-Type: application/json' --data-binary @- \
    "$notes_url" <<<"$payload" >/dev/null
fi
