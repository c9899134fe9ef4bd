#!/usr/bin/env bash
# Lint: C formatting (clang-format, the repository's .clang-format) and module boundaries
# (server/ includes no RTP/ICE/DTLS/SRTP header; media/ does not use libpq).
set -u
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || exit 2
status=0

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' | grep -v '^web-client/' || true)
else
  files=$(find server media tests -name '*.[ch]' -not -path '*/node_modules/*')
fi

fmt=${CLANG_FORMAT:-clang-format}
if ! command -v "$fmt" >/dev/null; then
  echo "lint: clang-format is not installed (deploy/install-deps installs it)"
  exit 1
fi
bad=()
for f in $files; do
  [ -f "$f" ] || continue
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "lint: not formatted (run: clang-format -i FILE):"
  printf '  %s\n' "${bad[@]}"
  status=1
fi

# server/ speaks to the media library only through media/media.h.
hits=$(grep -rnE '#include *[<"](nice/|agent\.h|srtp|openssl/(ssl|dtls1)\.h|gst/rtp/|rtp/|router/|transport/)' server/ 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "lint: server/ includes media internals (RTP/ICE/DTLS/SRTP); use media/media.h:"
  echo "$hits"
  status=1
fi

# media/ never talks to the database.
hits=$(grep -rnE "#include *[<\"](libpq|db\.h)|dependency\('libpq'\)" media/ 2>/dev/null || true)
if [ -n "$hits" ]; then
  echo "lint: media/ uses libpq or the store:"
  echo "$hits"
  status=1
fi

[ $status -eq 0 ] && echo "lint: $(echo "$files" | wc -w) C files formatted; module boundaries kept"
exit $status
