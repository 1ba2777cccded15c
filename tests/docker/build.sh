#!/bin/bash
# Build the stand-in for supabase/postgres from Debian's packages: no image registry needed.
#
# usage: tests/docker/build.sh TAG
# What: a Debian 12 root (debootstrap --variant=minbase) with postgresql-15 and pgTAP, the
#   harness's offline extensions (dbharness/hosted/extensions: pg_net, supabase_vault, pgjwt, http,
#   pg_jsonschema, pgmq, and pg_cron 1.6 in place of Debian's postgresql-15-cron 1.4, which is not
#   installed and whose library is not preloaded), the dbharness_rules server module built on this
#   machine by `dbharness setup` (it stands in for supautils), and entrypoint.sh, imported as TAG.
# Why: the docker engine's tests need an image shaped like the real one where the harness
#   depends on it (see init.sql), and no registry is reachable from CI.
# The mirror is the one apt is configured with (DEBIAN_MIRROR overrides it).
set -euo pipefail
tag="${1:?usage: build.sh TAG}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
root="$(mktemp -d "${TMPDIR:-/var/tmp}/dbharness-standin.XXXXXX")"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"  # the image's / : mktemp made it private

echo "debootstrap bookworm from $mirror into $root ..."
debootstrap --variant=minbase --include=postgresql-15,postgresql-15-pgtap bookworm "$root" "$mirror" \
  > "$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
rm -f "$root.log"
install -m 0755 "$here/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
install -m 0644 "$here/init.sql" "$root/usr/local/share/dbharness-init.sql"
# the offline pg_cron's control file is the only pg_cron.control there: no Debian cron package
install -m 0644 "$here"/../../dbharness/hosted/extensions/* "$root/usr/share/postgresql/15/extension/"
module=/usr/lib/postgresql/15/lib/dbharness_rules.so
[ -f "$module" ] || { echo "$module is missing: run dbharness setup first"; exit 1; }
install -m 0644 "$module" "$root/usr/lib/postgresql/15/lib/"
rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main \
       "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

echo "docker import as $tag ..."
tar -C "$root" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'EXPOSE 5432' \
  --change 'LABEL dev.dbharness.standin=1' \
  - "$tag"
