#!/usr/bin/env bash
# `gitseal verify` in CI: works out what a push, a pull request or a merge request brings and
# which rule judges it, from what GitHub Actions or GitLab CI set, then runs `gitseal verify`
# on exactly that. action.yml and gitlab/gitseal.gitlab-ci.yml run it; docs/policy.md says
# what it decides and why; tests/ci_recipes.rs runs it against real repositories with the
# variables each forge sets.
#
#   push                   the pushed range, before..after, judged by the pushed ref's rule;
#                          a new ref (before is all zeros) from the anchor; a force push
#                          whose old tip this clone lacks, from the anchor too
#   pull / merge request   the request's own commits, base..head, judged by the rule of the
#                          branch it targets (--ref); never the test merge commit the forge
#                          builds (refs/pull/N/merge, GitLab's merged results), which nobody
#                          signed and no one pushes
#   a tag                  the tag as a server's pre-receive hook judges creating it: its
#                          signature by the rule's tags list, its name, and everything it
#                          reaches from the anchor, with the default branch's policy
#   anything else          (a schedule, a manual run) everything from the anchor to the
#                          commit checked out, by its ref's rule
#
# Settings, from the environment (the action's inputs, the template's variables):
#   GITSEAL_ANCHOR   the full id of the commit verification starts from; held outside the
#                    repository (a repository or CI/CD variable). Default: git config
#                    gitseal.anchor. gitseal refuses anything but a full object id.
#   GITSEAL_POLICY   judge every commit by this one policy file instead (no anchor)
#   GITSEAL_FORMAT   text, json or github (default: github on GitHub, text elsewhere)
#   GITSEAL_REF      the ref whose rule applies, instead of the one worked out here
#   GITSEAL_CACHE    true: read and write the verdict cache in the git directory; false
#                    (default): --no-cache, because a runner that keeps its checkout between
#                    jobs lets a pull request's code write that cache for the next job
#                    (docs/threat-model.md, "The verdict cache")
#
# The branch names, the event file and every variable the forge sets are outside text: a
# branch may be called `$(touch${IFS}pwned)`. They are read as data, checked (object ids,
# git's ref name rules), passed only as quoted arguments, never evaluated, and shown escaped.
#
# Exit status: gitseal's (0 every commit passed, 1 a commit failed, 2 a usage or
# configuration error); 2 when this script cannot work out what to verify.
set -euo pipefail

forge=
if [ "${GITHUB_ACTIONS:-}" = true ]; then
  forge=github
elif [ "${GITLAB_CI:-}" = true ]; then
  forge=gitlab
fi

# Outside text, shown: shell-quoted with every byte that is not printable ASCII escaped, so a
# name cannot break a line, start a workflow command or reorder what a person reads.
shown() {
  LC_ALL=C printf '%q' "$1"
}

say() {
  printf 'gitseal: %s\n' "$1" >&2
}

# fail MESSAGE HINT: one line naming what is wrong and one naming the next step; on GitHub
# also an annotation, so the run's summary says it.
fail() {
  printf 'gitseal: error: %s\nhint: %s\n' "$1" "$2" >&2
  if [ "$forge" = github ]; then
    local text="$1 ($2)"
    text=${text//%/%25}
    printf '::error title=gitseal::%s\n' "$text"
  fi
  exit 2
}

zeros=0000000000000000000000000000000000000000

# An object id as git writes it (SHA-1 or SHA-256), not all zeros.
object_id() {
  [[ $1 =~ ^([0-9a-f]{40}|[0-9a-f]{64})$ ]] && [[ ! $1 =~ ^0+$ ]]
}

# need_id NAME VALUE: VALUE must be an object id.
need_id() {
  object_id "$2" || fail "$1 is $(shown "$2"), not a commit id" \
    "run this in the CI job the forge started, which sets it"
}

# A field of the GitHub event (a JSON file), as text: path components as arguments, the
# value printed with a final `.` so that trailing newlines survive the command substitution;
# on failure, why, and exit 1.
event_field() {
  python3 - "$GITHUB_EVENT_PATH" "$@" <<'PY'
import json, sys
path, keys = sys.argv[1], sys.argv[2:]
name = ".".join(keys)
try:
    with open(path, encoding="utf-8") as f:
        value = json.load(f)
except (OSError, ValueError) as e:
    print(f"cannot read the event file: {e}")
    sys.exit(1)
for key in keys:
    value = value.get(key) if isinstance(value, dict) else None
if value is None:
    value = ""
elif isinstance(value, bool):
    value = "true" if value else "false"
elif not isinstance(value, str):
    print(f"the event's {name} is not text")
    sys.exit(1)
sys.stdout.write(value + ".")
PY
}

# field NAME PATH...: sets NAME to the event's field at PATH.
field() {
  local name=$1 value
  shift
  if ! value=$(event_field "$@"); then
    fail "$value" "GitHub sets GITHUB_EVENT_PATH to the event's JSON, which python3 reads"
  fi
  printf -v "$name" '%s' "${value%.}"
}

# ref_of_branch NAME: sets ref to the branch's full name, checked by git's rules so that it
# names one ref and nothing else.
ref_of_branch() {
  ref="refs/heads/$1"
  if [ -z "$1" ] || ! git check-ref-format "$ref"; then
    fail "$(shown "$1") is not a branch name git accepts" "check the forge's variables for this job"
  fi
}

# ------------------------------------------------------------------ what to verify

tip=        # the newest commit to judge
base=       # what it is judged from: a commit whose history is excluded, or empty (the anchor)
ref=        # the ref whose rule applies
what=       # what happened, for people
merge=      # the forge's test merge commit, which is not judged
fallback_base=  # a push's old tip may be absent (force push): then from the anchor

github_plan() {
  local event=${GITHUB_EVENT_NAME:-}
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -r "$GITHUB_EVENT_PATH" ] ||
    fail "GITHUB_EVENT_PATH does not name a readable event file" "run this in a GitHub Actions job"
  case "$event" in
    push)
      local before deleted forced
      field before before
      field deleted deleted
      field forced forced
      ref=${GITHUB_REF:-}
      if [ "$deleted" = true ]; then
        say "$(shown "$ref") was deleted: no commit to verify"
        exit 0
      fi
      tip=${GITHUB_SHA:-}
      need_id GITHUB_SHA "$tip"
      if [[ $before =~ ^0+$ ]]; then
        what="new ref $(shown "$ref"): everything from the anchor"
      else
        need_id "the event's before" "$before"
        base=$before
        fallback_base=yes
        what="push to $(shown "$ref"): the commits it added"
        if [ "$forced" = true ]; then
          what="force push to $(shown "$ref"): the commits it added"
        fi
      fi
      ;;
    pull_request | pull_request_target)
      local base_ref
      field base pull_request base sha
      field tip pull_request head sha
      need_id "the event's pull_request.base.sha" "$base"
      need_id "the event's pull_request.head.sha" "$tip"
      base_ref=${GITHUB_BASE_REF:-}
      [ -n "$base_ref" ] || field base_ref pull_request base ref
      ref_of_branch "$base_ref"
      merge=${GITHUB_SHA:-}
      what="pull request into $(shown "$ref"): its own commits"
      ;;
    workflow_dispatch | schedule | repository_dispatch)
      tip=${GITHUB_SHA:-}
      need_id GITHUB_SHA "$tip"
      ref=${GITHUB_REF:-}
      what="$event run on $(shown "$ref"): everything from the anchor"
      ;;
    *)
      fail "the $(shown "$event") event is not one gitseal knows what to verify for" \
        "run the action on push, pull_request, workflow_dispatch or schedule"
      ;;
  esac
}

gitlab_plan() {
  local source=${CI_PIPELINE_SOURCE:-}
  case "$source" in
    merge_request_event)
      base=${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}
      need_id CI_MERGE_REQUEST_DIFF_BASE_SHA "$base"
      case "${CI_MERGE_REQUEST_EVENT_TYPE:-detached}" in
        merged_result | merge_train)
          # CI_COMMIT_SHA is the merge GitLab made to test; the request's own head is here.
          tip=${CI_MERGE_REQUEST_SOURCE_BRANCH_SHA:-}
          need_id CI_MERGE_REQUEST_SOURCE_BRANCH_SHA "$tip"
          merge=${CI_COMMIT_SHA:-}
          ;;
        *)
          tip=${CI_COMMIT_SHA:-}
          need_id CI_COMMIT_SHA "$tip"
          ;;
      esac
      ref_of_branch "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}"
      what="merge request into $(shown "$ref"): its own commits"
      ;;
    external_pull_request_event)
      fail "GitLab pipelines for GitHub pull requests are not supported" \
        "verify the pull request on GitHub with the action (action.yml)"
      ;;
    *)
      tip=${CI_COMMIT_SHA:-}
      need_id CI_COMMIT_SHA "$tip"
      if [ -n "${CI_COMMIT_TAG:-}" ]; then
        ref="refs/tags/$CI_COMMIT_TAG"
        git check-ref-format "$ref" ||
          fail "$(shown "$CI_COMMIT_TAG") is not a tag name git accepts" "check CI_COMMIT_TAG"
      else
        ref_of_branch "${CI_COMMIT_BRANCH:-}"
      fi
      local before=${CI_COMMIT_BEFORE_SHA:-$zeros}
      if [ "$source" = push ] && ! [[ $before =~ ^0+$ ]]; then
        need_id CI_COMMIT_BEFORE_SHA "$before"
        base=$before
        fallback_base=yes
        what="push to $(shown "$ref"): the commits it added"
      else
        what="$(shown "$source") pipeline on $(shown "$ref"): everything from the anchor"
      fi
      ;;
  esac
}

case "$forge" in
  github) github_plan ;;
  gitlab) gitlab_plan ;;
  *) fail "neither GitHub Actions (GITHUB_ACTIONS) nor GitLab CI (GITLAB_CI) runs this job" \
    "outside CI, run gitseal verify --anchor COMMIT --ref REF RANGE yourself" ;;
esac

if [ -n "${GITSEAL_REF:-}" ]; then
  git check-ref-format "$GITSEAL_REF" ||
    fail "GITSEAL_REF is $(shown "$GITSEAL_REF"), not a full ref name" "give a ref such as refs/heads/main"
  ref=$GITSEAL_REF
fi
git check-ref-format "$ref" ||
  fail "the ref $(shown "$ref") is not a full ref name git accepts" "check the forge's variables for this job"

# ------------------------------------------------------------------ the history it needs

command -v gitseal >/dev/null 2>&1 ||
  fail "gitseal is not on PATH" "install it first (scripts/ci-install.sh, or install.sh)"

git rev-parse --git-dir >/dev/null 2>&1 ||
  fail "$(shown "$PWD") is not a git repository" "check out the repository before this step"

if [ "$forge" = github ]; then
  depth_hint="check out with actions/checkout's \`fetch-depth: 0\`"
else
  depth_hint="set the job's variable GIT_DEPTH to \"0\""
fi

# Judging a commit means reading every commit from the anchor to it: a shallow clone has
# only the newest ones.
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  say "this clone is shallow: fetching its whole history ($depth_hint to start with it)"
  git fetch --quiet --unshallow origin ||
    fail "this clone is shallow and its history could not be fetched" "$depth_hint"
fi

have_commit() {
  git cat-file -e "$1^{commit}" 2>/dev/null
}

# fetched ID: the commit is here, or fetched by id (a forge serves commits no branch
# holds any more, such as the old tip of a force push, for a while).
fetched() {
  have_commit "$1" || { git fetch --quiet origin "$1" 2>/dev/null && have_commit "$1"; }
}

fetched "$tip" || fail "the commit $tip is not in this clone and could not be fetched" "$depth_hint"
if [ -n "$base" ] && ! fetched "$base"; then
  if [ -n "$fallback_base" ]; then
    say "the ref's old tip $base is not in this clone (a force push): verifying everything from the anchor"
    base=
  else
    fail "the commit $base is not in this clone and could not be fetched" "$depth_hint"
  fi
fi

# ------------------------------------------------------------------ gitseal verify

format=${GITSEAL_FORMAT:-}
[ -n "$format" ] || { [ "$forge" = github ] && format=github || format=text; }
case "$format" in
  text | json | github) ;;
  *) fail "GITSEAL_FORMAT is $(shown "$format")" "use text, json or github" ;;
esac

cache=()
case "${GITSEAL_CACHE:-false}" in
  false) cache=(--no-cache) ;;
  true) ;;
  *) fail "GITSEAL_CACHE is $(shown "$GITSEAL_CACHE")" "use true or false" ;;
esac

# A tag: a range of commits says nothing about the tag object, whose signature the rule's
# `tags` list judges. So it is judged as a server's pre-receive hook judges creating it
# (the same decision, verify::push): the tag's signature by the tag rule, its name against
# the ref, and everything it reaches from the anchor by that rule. The policy it is judged
# by besides the tagged commit's is the default branch's (gitseal.policyRef), so that a key
# revoked there since cannot publish a tag on an older commit.
if [[ $ref == refs/tags/* ]]; then
  object=$(git rev-parse --verify --quiet "$ref") ||
    fail "the tag $(shown "$ref") is not in this clone" "fetch tags with the checkout ($depth_hint)"
  peeled=$(git rev-parse --verify --quiet "$ref^{commit}") || peeled=
  if [ "$peeled" != "$tip" ]; then
    fail "the tag $(shown "$ref") in this clone is not at $tip, the commit the forge names" \
      "the tag was moved since this job started: run the job again"
  fi
  default=
  if [ "$forge" = github ]; then
    field default repository default_branch
  else
    default=${CI_DEFAULT_BRANCH:-}
  fi
  policy_ref=
  if [ -n "$default" ] && git check-ref-format "refs/remotes/origin/$default" &&
    git rev-parse --verify --quiet "refs/remotes/origin/$default^{commit}" >/dev/null; then
    policy_ref="refs/remotes/origin/$default"
  fi
  hook=(verify --pre-receive "${cache[@]}")
  [ -z "${GITSEAL_ANCHOR:-}" ] || hook+=("--anchor=$GITSEAL_ANCHOR")
  [ -z "${GITSEAL_POLICY:-}" ] || hook+=("--policy=$GITSEAL_POLICY")
  if [ -n "$policy_ref" ]; then
    n=${GIT_CONFIG_COUNT:-0}
    [[ $n =~ ^[0-9]+$ ]] || fail "GIT_CONFIG_COUNT is $(shown "$n")" "unset it for this step"
    export "GIT_CONFIG_KEY_$n=gitseal.policyRef" "GIT_CONFIG_VALUE_$n=$policy_ref"
    export GIT_CONFIG_COUNT=$((n + 1))
    say "tag $(shown "$ref"): the tag $object and everything it reaches, as a pre-receive hook judges creating it, with the policy of $(shown "$policy_ref")"
  else
    say "tag $(shown "$ref"): the tag $object and everything it reaches, as a pre-receive hook judges creating it, with the anchor's policy (no default branch in this clone)"
  fi
  status=0
  printf '%s %s %s\n' "$zeros" "$object" "$ref" | gitseal "${hook[@]}" || status=$?
  if [ "$status" != 0 ] && [ "$forge" = github ]; then
    text="the tag $(shown "$ref") breaks the signing policy (the job's log says why)"
    printf '::error title=gitseal::%s\n' "${text//%/%25}"
  fi
  exit "$status"
fi

# Values joined to their flags (--flag=VALUE): a value can never be taken for a flag.
args=(verify "--ref=$ref" "--format=$format")
args+=("${cache[@]}")
[ -z "${GITSEAL_ANCHOR:-}" ] || args+=("--anchor=$GITSEAL_ANCHOR")
[ -z "${GITSEAL_POLICY:-}" ] || args+=("--policy=$GITSEAL_POLICY")
if [ -n "$base" ]; then
  range="$base..$tip"
else
  range=$tip
fi
args+=("$range")

say "$what: $range, by the rule for $(shown "$ref")"
if [ -n "$merge" ] && [ "$merge" != "$tip" ]; then
  say "the forge's test merge $(shown "$merge") is not judged: nobody signed it and it is never pushed"
fi
exec gitseal "${args[@]}"
