#!/usr/bin/env bash
# Generates the example portal's git history: one bare repository per system in
# content/repos/<id>.git, with Conventional Commit history, release tags and a little
# unreleased work, so `shipboard build content` shows real changelogs on a fresh clone.
#
# Deterministic: fixed identities (from contacts.yaml), fixed dates (Europe/Berlin, a few
# days before each release window in releases/*.md), `git fast-import` (no clock, no
# reflogs, no hooks), one pack written with pack.threads=1. Running it twice gives the
# same bytes. The repositories are committed to the main repository as plain files.
#
# Usage: content/repos/generate.sh   (needs git and GNU date)
set -euo pipefail
export LC_ALL=C TZ=Europe/Berlin GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
cd "$(dirname "$0")"

declare -A NAME EMAIL
person() { NAME[$1]=$2; EMAIL[$1]=$3; }
person jonas  "Jonas Becker"      jonas.becker@northwind.example
person priya  "Priya Raman"       priya.raman@northwind.example
person amara  "Amara Okafor"      amara.okafor@northwind.example
person kenji  "Kenji Watanabe"    kenji.watanabe@northwind.example
person sofia  "Sofía Delgado"     sofia.delgado@northwind.example
person lukas  "Lukas Nowak"       lukas.nowak@northwind.example
person elif   "Elif Demir"        elif.demir@northwind.example
person mateo  "Mateo Rossi"       mateo.rossi@northwind.example
person zainab "Zainab Yusuf"      zainab.yusuf@northwind.example
person noor   "Noor Haddad"       noor.haddad@northwind.example
person li     "Li Wei"            li.wei@northwind.example
person hannah "Hannah Schulz"     hannah.schulz@northwind.example

STREAM=""
MARK=0
declare -A HEAD_OF FILE_TEXT BRANCH_FILES

# `when "YYYY-MM-DD HH:MM"` -> "<epoch> <+hhmm>" in Europe/Berlin.
when() { date -d "$1" +'%s %z'; }

# data <text>: a fast-import data block (LC_ALL=C: ${#} counts bytes).
data() { printf 'data %d\n%s\n' "${#1}" "$1"; }

# The file a commit touches, from its type and scope.
file_for() {
  local subject=$1 kind scope
  kind=${subject%%[(:!]*}
  scope=$(sed -n 's/^[a-z]*(\([^)]*\)).*/\1/p' <<<"$subject")
  scope=${scope:-core}
  case "$kind:$scope" in
    docs:*) echo "docs/$scope.md" ;;
    test:*) echo "tests/$scope.rs" ;;
    chore:ci) echo ".ci/pipeline.yml" ;;
    chore:deps) echo "deps.lock" ;;
    chore:release) echo "VERSION" ;;
    *) echo "src/$scope.rs" ;;
  esac
}

# begin <system>: start a new repository's import stream.
begin() {
  SYSTEM=$1
  STREAM=$(mktemp)
  MARK=0
  HEAD_OF=() FILE_TEXT=() BRANCH_FILES=()
}

# commit <branch> <date> <person> <message> [file]
commit() {
  local branch=$1 at=$2 who=$3 message=$4 file=${5:-}
  local subject=${message%%$'\n'*}
  [ -n "$file" ] || file=$(file_for "$subject")
  if [ "$file" = VERSION ]; then
    FILE_TEXT[$file]="${subject##* }"$'\n'
  else
    FILE_TEXT[$file]+="$subject"$'\n'
  fi
  BRANCH_FILES[$branch]+="$file "
  MARK=$((MARK + 1))
  {
    printf 'commit refs/heads/%s\nmark :%d\n' "$branch" "$MARK"
    printf 'author %s <%s> %s\n' "${NAME[$who]}" "${EMAIL[$who]}" "$(when "$at")"
    printf 'committer %s <%s> %s\n' "${NAME[$who]}" "${EMAIL[$who]}" "$(when "$at")"
    data "$message"
    if [ -n "${HEAD_OF[$branch]:-}" ]; then printf 'from :%d\n' "${HEAD_OF[$branch]}"; fi
    printf 'M 100644 inline %s\n' "$file"
    data "${FILE_TEXT[$file]}"
    printf '\n'
  } >>"$STREAM"
  HEAD_OF[$branch]=$MARK
}

# branch <new> <from>: start a branch at another branch's head.
branch() { HEAD_OF[$1]=${HEAD_OF[$2]}; BRANCH_FILES[$1]=""; }

# merge <into> <from> <date> <person> <message>: a merge commit (no fast-forward).
merge() {
  local into=$1 from=$2 at=$3 who=$4 message=$5 file
  MARK=$((MARK + 1))
  {
    printf 'commit refs/heads/%s\nmark :%d\n' "$into" "$MARK"
    printf 'author %s <%s> %s\n' "${NAME[$who]}" "${EMAIL[$who]}" "$(when "$at")"
    printf 'committer %s <%s> %s\n' "${NAME[$who]}" "${EMAIL[$who]}" "$(when "$at")"
    data "$message"
    printf 'from :%d\nmerge :%d\n' "${HEAD_OF[$into]}" "${HEAD_OF[$from]}"
    for file in $(tr ' ' '\n' <<<"${BRANCH_FILES[$from]}" | sort -u); do
      printf 'M 100644 inline %s\n' "$file"
      data "${FILE_TEXT[$file]}"
    done
    printf '\n'
  } >>"$STREAM"
  HEAD_OF[$into]=$MARK
}

# tag <branch> <name>: a lightweight tag on a branch's head.
tag() { printf 'reset refs/tags/%s\nfrom :%d\n\n' "$2" "${HEAD_OF[$1]}" >>"$STREAM"; }

# atag <branch> <name> <date> <person> <message>: an annotated tag (its message is the
# release's highlights).
atag() {
  {
    printf 'tag %s\nfrom :%d\n' "$2" "${HEAD_OF[$1]}"
    printf 'tagger %s <%s> %s\n' "${NAME[$4]}" "${EMAIL[$4]}" "$(when "$3")"
    data "$5"
  } >>"$STREAM"
}

# finish: write the stream into <system>.git and pack it reproducibly.
finish() {
  local repo=$SYSTEM.git
  rm -rf "$repo"
  git init -q --bare --template= -b main "$repo"
  printf 'done\n' >>"$STREAM"
  git -C "$repo" fast-import --quiet --done <"$STREAM"
  rm -f "$STREAM"
  for ref in $(git -C "$repo" for-each-ref --format='%(refname)' refs/heads); do
    [ "$ref" = refs/heads/main ] || git -C "$repo" update-ref -d "$ref"
  done
  git -C "$repo" -c pack.threads=1 -c core.compression=9 -c repack.writeBitmaps=false \
    repack -a -d -f -q -n
  git -C "$repo" prune-packed
  rm -rf "$repo/logs" "$repo/hooks" "$repo/info" "$repo/description" "$repo/FETCH_HEAD"
  find "$repo/objects" -mindepth 1 -type d -empty -delete
  echo "generated $repo: $(git -C "$repo" rev-list --count --all) commits, $(git -C "$repo" tag | wc -l) tags"
}

# --- payments (tags v{version}) -----------------------------------------------------------
begin payments
commit main "2026-06-01 10:12" priya "feat(cards): card payments with 3-D Secure 2"
commit main "2026-06-09 15:40" elif "feat(wallets): Apple Pay and Google Pay"
commit main "2026-06-22 11:05" priya "chore(release): 2.1.0"
atag main v2.1.0 "2026-06-30 21:04" priya "Wallet payments"
commit main "2026-07-20 09:31" elif "feat(invoice): pay later with invoice for registered customers (PAY-402)"
commit main "2026-07-24 14:02" zainab "feat(invoice): credit check with the scoring provider (PAY-402)"
commit main "2026-07-29 16:45" priya "fix(webhooks): verify the signature before parsing the body"
commit main "2026-08-03 10:20" elif "feat(ledger): send receivables per payment method to the Ledger (PAY-415)"
commit main "2026-08-06 13:15" hannah "test(invoice): contract tests against the scoring sandbox"
commit main "2026-08-10 11:48" zainab "docs(api): document the invoice payment method"
commit main "2026-08-12 09:05" li "chore(deps): update the card SDK to 5.4"
commit main "2026-08-13 17:22" priya "perf(checkout): reuse provider connections across requests"
commit main "2026-08-18 20:41" priya "chore(release): 2.2.0"
atag main v2.2.0 "2026-08-18 21:05" priya $'Pay later with invoice\n\nRegistered customers can pay by invoice within 30 days; the credit check runs in under a second.\nReceivables are booked per payment method in the Ledger.'
commit main "2026-08-31 10:10" elif "feat(refunds): partial refunds from the admin (PAY-430)"
commit main "2026-09-03 15:37" zainab "feat(refunds): refund shipping costs only (PAY-438)"
commit main "2026-09-08 11:25" priya "refactor(refunds): one code path for full and partial refunds"
commit main "2026-09-14 14:50" elif "fix(admin): show the refundable amount per line item (PAY-430)"
commit main "2026-09-17 16:03" hannah "test(refunds): partial refunds end to end"
commit main "2026-09-22 20:38" priya "chore(release): 2.3.0"
tag main v2.3.0
commit main "2026-09-23 10:15" priya $'fix(webhooks): accept refunds without amount_breakdown from 2.2.0 (PAY-441)\n\nRefunds created before 2.3.0 carry no amount_breakdown. The handler now\nderives it from the refund total, as 2.2.0 did.'
commit main "2026-09-24 13:42" elif "fix(refunds): one idempotency key per partial refund (PAY-442)"
commit main "2026-09-25 11:30" hannah "test(webhooks): replay production webhook samples from 2.2.0 (PAY-441)"
commit main "2026-09-28 09:55" zainab "docs(webhooks): compatibility rules for webhook payloads"
commit main "2026-09-29 20:35" priya "chore(release): 2.3.1"
atag main v2.3.1 "2026-09-29 21:03" priya $'Partial refunds, second attempt\n\nRefund webhooks created by 2.2.0 are accepted again - the cause of the 2.3.0 rollback.'
commit main "2026-10-14 10:57" priya $'fix(refunds): stop duplicate refunds when the provider retries (HOTFIX-311, PAY-451)\n\nA retried refund request reused no idempotency key and was paid twice.'
tag main v2.3.2
branch feature/wallet-top-ups main
commit feature/wallet-top-ups "2026-10-26 10:20" zainab "feat(wallet): wallet balance per customer (PAY-456)"
commit main "2026-11-05 15:12" priya "perf(api): cache 3-D Secure method lookups (PAY-470)"
commit feature/wallet-top-ups "2026-11-03 14:44" zainab "feat(wallet): top up the wallet by card (PAY-456)"
commit feature/wallet-top-ups "2026-11-09 11:02" elif "fix(wallet): round top-ups to the cent (PAY-472)"
merge main feature/wallet-top-ups "2026-11-12 16:30" priya $'Merge branch \'feature/wallet-top-ups\'\n\nfeat(wallet): wallet top-ups (PAY-456)'
commit main "2026-11-16 10:48" zainab "docs(wallet): wallet endpoints and limits"
finish

# --- storefront (tags storefront-v{version}) ------------------------------------------------
begin storefront
commit main "2026-06-15 10:00" jonas "feat(search): search box with suggestions"
commit main "2026-07-02 14:30" mateo "fix(header): sticky header on small screens"
commit main "2026-07-07 19:10" jonas "chore(release): 4.6.0"
tag main storefront-v4.6.0
commit main "2026-07-14 11:20" mateo "feat(basket): save baskets for signed-in customers (SF-1204)"
commit main "2026-07-22 15:05" mateo "feat(basket): merge the guest basket at sign-in (SF-1219)"
commit main "2026-07-28 10:40" jonas "fix(basket): keep quantities when a product goes out of stock"
commit main "2026-08-04 13:55" hannah "test(basket): cross-device basket scenarios"
commit main "2026-08-06 09:30" noor "chore(ci): run the visual tests on every pull request"
commit main "2026-08-11 19:42" jonas "chore(release): 4.7.0"
atag main storefront-v4.7.0 "2026-08-11 20:08" jonas $'Saved baskets across devices\n\nA signed-in customer\'s basket follows them from phone to laptop.'
commit main "2026-08-18 10:15" jonas "feat(product): render product pages on the server (SF-1250)"
commit main "2026-08-25 14:20" mateo "perf(images): serve AVIF and WebP with fallbacks (SF-1262)"
commit main "2026-09-01 11:00" jonas "perf(category): stream category pages (SF-1250)"
commit main "2026-09-04 16:35" mateo "feat(product): show the Pay later badge (SF-1270)"
commit main "2026-09-08 10:05" mateo "fix(product): hydrate the size picker without a layout shift"
commit main "2026-09-10 15:50" noor "chore(deps): update the rendering framework"
commit main "2026-09-15 19:30" jonas "chore(release): 4.8.0"
tag main storefront-v4.8.0
commit main "2026-10-06 12:25" mateo "fix(address): stop iOS Safari zooming into the address form (SF-1291)"
commit main "2026-10-08 18:40" jonas "chore(release): 4.8.1"
atag main storefront-v4.8.1 "2026-10-08 19:06" jonas "Fix address form on iOS Safari"
commit main "2026-10-20 10:30" mateo "feat(gifts): gift wrapping and gift messages (SF-1330)"
commit main "2026-10-29 15:10" jonas "feat(landing): Black Friday landing pages (SF-1334)"
commit main "2026-11-09 11:45" mateo "fix(gifts): limit gift messages to 200 characters (SF-1341)"
finish

# --- ledger (tags ledger-v{version}) --------------------------------------------------------
begin ledger
commit main "2026-05-11 10:00" amara "feat(reports): monthly revenue report by order type"
commit main "2026-06-16 18:30" amara "chore(release): 2.9.0"
atag main ledger-v2.9.0 "2026-06-16 19:02" amara "Last release of the 2.x line"
commit main "2026-07-06 10:45" amara $'feat(postings)!: double-entry postings replace order rows (LED-210)\n\nBREAKING CHANGE: the /v2/orders ledger API is removed; clients read\n/v3/postings instead.'
commit main "2026-07-13 14:10" amara "feat(accounts): named accounts and a chart of accounts (LED-215)"
commit main "2026-07-20 11:35" zainab "feat(migration): convert historical orders to postings (LED-223)"
commit main "2026-07-27 16:20" amara "feat(reports): daily close report by account (LED-230)"
commit main "2026-07-31 10:55" hannah "test(migration): compare monthly totals with the old reports (LED-223)"
commit main "2026-08-03 15:40" zainab "fix(migration): keep refunds in the month of the original order"
commit main "2026-08-05 09:20" amara "docs(api): v3 postings API reference"
commit main "2026-08-08 22:30" amara "chore(release): 3.0.0"
atag main ledger-v3.0.0 "2026-08-09 02:21" amara $'New posting model\n\nEvery money movement is a balanced pair of entries on named accounts.\n41,238,907 historical orders were converted; all monthly totals match to the cent.'
branch feature/wallet-accounts main
commit feature/wallet-accounts "2026-09-10 10:25" amara "feat(accounts): wallet liability accounts (LED-241)"
commit main "2026-09-14 13:30" zainab "perf(close): run the daily close in parallel per account range (LED-248)"
commit feature/wallet-accounts "2026-09-16 15:15" hannah "test(accounts): wallet postings always balance"
merge main feature/wallet-accounts "2026-09-21 11:00" amara $'Merge branch \'feature/wallet-accounts\'\n\nfeat(accounts): wallet accounts (LED-241)'
commit main "2026-09-29 09:45" li "fix(close): retry the close when the read replica lags"
commit main "2026-10-10 18:05" amara "chore(release): 3.1.0"
tag main ledger-v3.1.0
commit main "2026-11-18 14:35" zainab "fix(refunds): round multi-currency refunds half to even (LED-262)"
finish

# --- search (tags v{version}) ---------------------------------------------------------------
begin search
commit main "2026-06-10 10:00" kenji "feat(index): nightly full re-index of the catalogue"
commit main "2026-07-02 17:20" kenji "chore(release): 1.7.2"
tag main v1.7.2
commit main "2026-08-10 10:40" kenji "feat(autocomplete): typo-tolerant suggestions (SRCH-88)"
commit main "2026-08-19 14:15" zainab "feat(autocomplete): rank suggestions by sales (SRCH-93)"
commit main "2026-08-27 11:50" kenji "perf(autocomplete): keep the prefix index in memory"
commit main "2026-09-01 16:05" zainab "fix(autocomplete): keep diacritics in suggestions"
commit main "2026-09-08 19:35" kenji "chore(release): 1.8.0"
atag main v1.8.0 "2026-09-08 20:14" kenji $'Typo-tolerant autocomplete\n\n"addidas" finds adidas; suggestions are ranked by what sells.'
commit main "2026-11-04 10:20" kenji "fix(filters): include sale items in price filters (SRCH-104)"
commit main "2026-11-06 15:30" hannah "test(filters): price filter regression suite (SRCH-104)"
commit main "2026-11-10 19:40" kenji "chore(release): 1.8.1"
atag main v1.8.1 "2026-11-12 20:09" kenji "Filters on sale items (shipped two days late: the first window was used for the Black Friday load test)"
commit main "2026-11-13 11:10" kenji "feat(synonyms): synonyms managed by merchandising (SRCH-110)"
commit main "2026-11-20 14:25" zainab $'feat(api)!: query API v2 (SRCH-120)\n\nBREAKING CHANGE: /v1/search is removed; the apps and the storefront move to\n/v2/query.'
finish

# --- identity (tags identity-v{version}) ----------------------------------------------------
begin identity
commit main "2026-07-01 10:00" sofia "feat(sessions): sliding session expiry"
commit main "2026-07-08 19:20" sofia "chore(release): 3.0.2"
tag main identity-v3.0.2
commit main "2026-08-05 11:15" sofia "feat(login): Sign in with Apple (IAM-301)"
commit main "2026-08-14 14:40" zainab "feat(account): link an Apple ID to an existing account (IAM-305)"
commit main "2026-08-24 10:30" sofia "fix(login): clear error when Apple hides the e-mail address"
commit main "2026-09-01 19:40" sofia "chore(release): 3.1.0"
atag main identity-v3.1.0 "2026-09-01 20:06" sofia "Sign in with Apple"
commit main "2026-09-15 10:50" sofia "feat(passkeys): register passkeys for staff accounts (IAM-320)"
commit main "2026-09-24 15:25" sofia "feat(passkeys): sign in with a passkey (IAM-322)"
commit main "2026-10-02 11:40" zainab "fix(sessions): rotate the session id after a passkey login (IAM-327)"
commit main "2026-10-12 09:30" sofia "docs(passkeys): how staff register a passkey"
commit main "2026-10-20 19:10" sofia "chore(release): 3.2.0"
tag main identity-v3.2.0
branch hotfix/3.2.1 main
commit main "2026-11-03 10:35" sofia "feat(passkeys): passkeys for every customer (IAM-335)"
commit hotfix/3.2.1 "2026-11-12 21:38" sofia $'fix(tokens): accept refresh tokens from app versions before 5.2 (HOTFIX-318, IAM-331)\n\nThe 3.2.0 token format change rejected refresh tokens issued by older apps.'
atag hotfix/3.2.1 identity-v3.2.1 "2026-11-12 22:19" sofia "App logins failing after token refresh"
merge main hotfix/3.2.1 "2026-11-13 09:15" sofia "Merge branch 'hotfix/3.2.1'"
commit main "2026-11-17 14:05" zainab "feat(checkout): inline login during checkout (IAM-340)"
finish

# --- notifications (tags notifications-v{version}) -----------------------------------------
begin notifications
commit main "2026-06-20 10:00" lukas "feat(email): order confirmation in six languages"
commit main "2026-06-23 18:50" lukas "chore(release): 1.3.0"
atag main notifications-v1.3.0 "2026-06-23 19:04" lukas "Order confirmations in six languages"
commit main "2026-07-30 11:25" lukas "feat(push): shipping updates by push notification (NTF-140)"
commit main "2026-08-07 15:10" lukas "feat(push): ask for permission after the first order (NTF-144)"
commit main "2026-08-14 10:45" lukas "fix(email): plain-text part for shipping e-mails"
commit main "2026-08-18 09:20" noor "chore(ci): deploy the dispatcher with the canary pipeline"
commit main "2026-08-25 18:40" lukas "chore(release): 1.4.0"
atag main notifications-v1.4.0 "2026-08-25 19:07" lukas "Shipping updates by push"
commit main "2026-10-05 10:55" lukas "feat(email): refund e-mails list the refunded line items (NTF-151, PAY-430)"
commit main "2026-10-14 14:30" hannah "test(email): refund e-mail snapshots per language"
commit main "2026-10-20 11:15" lukas "fix(email): currency formatting in refund e-mails"
commit main "2026-10-27 19:05" lukas "chore(release): 1.5.0"
atag main notifications-v1.5.0 "2026-10-28 00:35" lukas $'Refund e-mails with line items\n\nThe deploy ran past midnight: the template cache needed a second warm-up.'
commit main "2026-11-20 10:40" lukas "feat(email): gift message in the order confirmation (NTF-160)"
commit main "2026-11-23 15:20" lukas "fix(sms): move to the provider's v2 API (NTF-163)"
finish
