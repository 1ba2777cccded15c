"""dbharness init: a commented dbharness.toml with every setting at its default, beside
supabase/config.toml, and reports/ in .gitignore. Never overwrites a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dbharness.errors import ConfigError
from dbharness.progress import Progress

SETTINGS = '''# dbharness settings: every setting at its default. Change what your project needs; delete
# the rest if you like (a missing setting keeps its default). The harness reads the first of
# dbharness.toml, supabase/dbharness.toml and [tool.dbharness] in pyproject.toml, and every run
# says which. Durations are strings with their unit ("5s", "250ms", "5min").

# The throwaway server: local (this machine's PostgreSQL, installed by `dbharness setup`), docker
# (the supabase/postgres image), or auto (docker when a daemon answers and the image is present).
engine = "local"
docker_image = "supabase/postgres:15.8.1.085"
# pg_bindir = "/usr/lib/postgresql/15/bin"   # default: searched (pg_config, /usr/lib/postgresql)

# Set around every migration file (a file's own SET wins for that file only).
lock_timeout = "5s"
statement_timeout = "5min"
# A pgTAP statement running longer fails its file.
test_timeout = "60s"

# The seed runs last, as `supabase db reset` runs it; name a version to run it right after that
# migration instead, so newer migrations meet existing rows as they will in production.
# seed_after = "20250101000000"

# Your pgTAP files (globs relative to the project): where `supabase test db` looks.
test_paths = ["supabase/tests/**/*.sql", "supabase/tests/**/*.pg"]
# A folder of SQL helpers run once before the suite (default: none).
# test_setup = "supabase/tests/helpers"

# Rollback files: <version>_<name>.sql beside the up migration's name, outside
# supabase/migrations so the CLI never applies them; exercise/<same name>.sql writes rows between
# up and down in `dbharness rollback-check`.
rollbacks = "supabase/rollbacks"

# Extensions this engine lacks whose `create extension` is skipped, and said (e.g. "pg_graphql").
stub_extensions = []
# Extensions `dbharness setup` installs besides those your migrations create.
setup_extensions = []
# Database webhooks turned on, as the dashboard's switch: supabase_functions and pg_net.
webhooks = false
# `dbharness setup` also installs the pinned Supabase CLI (for `dbharness cli-check`).
supabase_cli = false

[lint]
# Which migrations already shipped (their findings are listed, not gated): "environments" (the
# newest version an environment's history has) and "git" (unchanged in the default branch).
shipped = ["environments", "git"]
# lint_from = "20250101000000"   # migrations older than this are never gated
# A rule's level over its default, e.g. { "policy-without-roles" = "error" }.
levels = {}
# squawk rules not applied to rollback files (a rollback's drops of what its up migration made
# are never findings; this is for more).
rollback_excluded_rules = []
# Accepted findings, each with a reason: { rule = "...", target = "...", reason = "..." }.
exceptions = []

[compare]
# Differences `dbharness compare` takes as known, each with a reason: { object = "...",
# reason = "..." }, the object as a line names it ("pg_graphql (extension)") or a glob.
ignore = []

[coverage]
# The schemas whose facts (columns, defaults, keys, indexes, policies, grants) the suite should pin.
schemas = ["public"]
# required = 100   # `dbharness test` fails below this percentage; default: no bar
comments = false
helpers = {}
exclusions = []

# Environments: each names the variable holding its URL (in the environment or in .env).
[environments.staging]
url_env = "STAGING_DATABASE_URL"

[environments.production]
url_env = "PRODUCTION_DATABASE_URL"
requires = "staging"

# The lock benchmark of `dbharness bench` (default: none), e.g.:
# [bench]
# after = "20250101000000"
# load = "bench/load.sql"
# table = "public.accounts"
# write = "update public.accounts set balance = balance + 1 where id = %s"
# keys = "select id::text from public.accounts order by random() limit 20000"
'''
IGNORED = "reports/"


@dataclass(frozen=True)
class Initialized:
    """What init wrote: the settings file, and whether .gitignore got reports/."""

    path: Path
    gitignore: Path | None


def _gitignore(root: Path) -> Path | None:
    path = root / ".gitignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    if any(line.strip() in (IGNORED, "/" + IGNORED, "reports", "/reports") for line in lines):
        return None
    text = "\n".join([*lines, "# dbharness: JUnit and bench reports", IGNORED]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def write(root: Path, report: Progress) -> Initialized:
    """dbharness.toml in the project at root (where supabase/config.toml is); refuses to
    overwrite one."""
    path = root / "dbharness.toml"
    if path.exists():
        raise ConfigError(f"{path} exists; dbharness init never overwrites a file")
    if not (root / "supabase").is_dir():
        report(f"warning: {root} has no supabase/ folder; run `supabase init` there first")
    path.write_text(SETTINGS, encoding="utf-8")
    ignored = _gitignore(root)
    report(f"wrote {path}: every setting at its default")
    if ignored is not None:
        report(f"added {IGNORED} to {ignored}")
    return Initialized(path, ignored)
