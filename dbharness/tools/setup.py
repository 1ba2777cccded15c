"""`dbharness setup`: find or install what the harness needs (PostgreSQL, pgTAP, pg_prove), in one go."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from dbharness.config import Settings
from dbharness.engines.cluster import server_os_user
from dbharness.engines.pgbin import PgBinaries, extension_dir, find_binaries, libdir, pgtap_control
from dbharness.errors import HarnessError, PrerequisiteError
from dbharness.hosted import compat, rules, server_module, supabase_cli
from dbharness.progress import Progress
from dbharness.sql import migrations

APT_INSTALL = ("apt-get", "install", "-y", "--no-install-recommends")
PREFERRED_SERVER = "postgresql-15"  # supabase/config.toml's major_version; else the distro's own
PG_PROVE_PACKAGE = "libtap-parser-sourcehandler-pgtap-perl"
# Extensions Supabase offers that Debian packages (postgresql-MAJOR-<suffix>); contrib ones come
# with the server itself. pg_cron is not among them: Debian 12's is 1.4 (no schedules in seconds),
# so the harness has its own offline 1.6 (hosted/extensions), installed with the others.
DEBIAN_EXTENSIONS = {
    "plpgsql_check": "plpgsql-check", "postgis": "postgis-3",
    "postgis_raster": "postgis-3", "postgis_topology": "postgis-3", "postgis_sfcgal": "postgis-3",
    "postgis_tiger_geocoder": "postgis-3", "address_standardizer": "postgis-3",
    "address_standardizer_data_us": "postgis-3", "pgrouting": "pgrouting", "hypopg": "hypopg",
    "pg_repack": "repack", "rum": "rum", "pgaudit": "pgaudit", "pgtap": "pgtap",
}


def pgtap_installed(bins: PgBinaries) -> bool:
    """True when the server's extension directory holds pgtap.control."""
    return pgtap_control(bins).exists()


def pgtap_package(major: int) -> str:
    """Debian's pgTAP package for a PostgreSQL major version."""
    return f"postgresql-{major}-pgtap"


def install_command(packages: list[str]) -> list[str]:
    """The apt-get command that installs packages."""
    return [*APT_INSTALL, *packages]


def hint(packages: list[str]) -> str:
    """Everything to run, in one go, for a person without the rights to let setup do it."""
    return (f"run as root (or prefix each command with sudo): apt-get update && "
            f"{' '.join(install_command(packages))}, then dbharness setup again")


def _privilege() -> list[str] | None:
    """[] as root, ['sudo', '-n'] when passwordless sudo works, None otherwise (or without apt)."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True).returncode == 0:
        return [sudo, "-n"]
    return None


def _can_apt() -> bool:
    return _privilege() is not None


def _apt(args: list[str], report: Progress) -> subprocess.CompletedProcess[str]:
    prefix = _privilege() or []
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    report(f"running: {' '.join([*prefix, *args])}")
    return subprocess.run([*prefix, *args], capture_output=True, text=True, env=env)


def apt_install(packages: list[str], report: Progress) -> None:
    """apt-get update, then install packages; a PrerequisiteError with apt's words on failure."""
    _apt(["apt-get", "update", "-qq"], report)
    out = _apt(install_command(packages), report)
    if out.returncode != 0:
        raise PrerequisiteError(f"installing {' '.join(packages)} failed:\n{out.stderr.strip()[-2000:]}")


def install_or_explain(wanted: list[str], refusal: str, report: Progress) -> None:
    """apt-get install wanted when setup may; otherwise a PrerequisiteError of refusal followed by
    the one command that does it."""
    if not wanted:
        return
    if not _can_apt():
        raise PrerequisiteError(f"{refusal}{hint(wanted)}")
    apt_install(wanted, report)


def _copy_command(files: list[Path], target: Path) -> list[str]:
    return ["install", "-m", "0644", *map(str, files), str(target)]


def install_files(files: list[Path], target: Path, what: str, refusal: str) -> None:
    """Copy files into a server directory, with sudo where the user may not write there; refusal
    is the error when neither works, and a failed copy names what."""
    prefix = [] if os.access(target, os.W_OK) else _privilege()
    if prefix is None:
        raise PrerequisiteError(refusal)
    out = subprocess.run([*prefix, *_copy_command(files, target)], capture_output=True, text=True)
    if out.returncode != 0:
        raise PrerequisiteError(f"installing {what} failed: {out.stderr.strip()}")


def _server_package() -> str:
    """postgresql-15 where the package lists have it, else the distro's default `postgresql`."""
    found = subprocess.run(["apt-cache", "show", PREFERRED_SERVER], capture_output=True, text=True)
    return PREFERRED_SERVER if found.returncode == 0 and found.stdout.strip() else "postgresql"


def ensure_server(pg_bindir: str | None, report: Progress) -> PgBinaries:
    """The server binaries; installs PostgreSQL (with pgTAP and pg_prove) when none are found."""
    try:
        return find_binaries(pg_bindir)
    except PrerequisiteError as exc:
        if pg_bindir or not _can_apt():
            wanted = [PREFERRED_SERVER, pgtap_package(15), PG_PROVE_PACKAGE]
            raise PrerequisiteError(f"{exc}\nTo install everything: {hint(wanted)}") from None
    _apt(["apt-get", "update", "-qq"], report)
    apt_install([_server_package()], report)
    return find_binaries(pg_bindir)


def missing_packages(bins: PgBinaries) -> list[str]:
    """The packages still needed for this server: pgTAP and plpgsql_check for its major version
    (lint checks PL/pgSQL bodies as `supabase db lint` does), and pg_prove."""
    wanted = []
    if not pgtap_installed(bins):
        wanted.append(pgtap_package(bins.major))
    if not (extension_dir(bins) / "plpgsql_check.control").exists():
        wanted.append(f"postgresql-{bins.major}-plpgsql-check")
    if shutil.which("pg_prove") is None:
        wanted.append(PG_PROVE_PACKAGE)
    return wanted


def ensure_pgtap(bins: PgBinaries, report: Progress) -> None:
    """pgTAP for this server and pg_prove (which dbharness bench compares against), installed in one
    go when setup may; otherwise the one command that does it."""
    wanted = missing_packages(bins)
    install_or_explain(wanted, f"missing for PostgreSQL {bins.major}: {', '.join(wanted)}; ", report)
    still = missing_packages(bins) if wanted else []
    if still:
        raise PrerequisiteError(f"still missing after the install: {', '.join(still)}")
    report(f"pgTAP: installed for PostgreSQL {bins.major}; pg_prove: {shutil.which('pg_prove')}")


def build_packages(bins: PgBinaries) -> list[str]:
    """What building the server module needs and this machine lacks: the server's headers and
    PGXS (postgresql-server-dev-MAJOR), make, a C compiler and the C library's headers."""
    wanted = []
    if not (bins.bindir / "pg_config").exists() or not _pgxs(bins):
        wanted.append(f"postgresql-server-dev-{bins.major}")
    wanted += [tool for tool in ("make", "gcc") if shutil.which(tool) is None]
    if not Path("/usr/include/stdio.h").exists():  # gcc only recommends the C library's headers
        wanted.append("libc6-dev")
    return wanted


def _pgxs(bins: PgBinaries) -> bool:
    """True when PGXS and the server's headers are there (the client package alone has pgxs.mk
    but not postgres.h)."""
    out = subprocess.run([str(bins.bindir / "pg_config"), "--pgxs", "--includedir-server"],
                         capture_output=True, text=True)
    places = out.stdout.split()
    return (out.returncode == 0 and len(places) == 2 and Path(places[0]).exists()
            and (Path(places[1]) / "postgres.h").exists())


def ensure_native_module(module: server_module.NativeModule, bins: PgBinaries, report: Progress) -> None:
    """Build and install one native module (the platform's rules for postgres, the offline
    pgvector) when the server lacks this source's build; the stamp goes in last, so an install
    that fails part-way leaves a build that is not current."""
    target, extdir = libdir(bins), extension_dir(bins)
    label = f"{module.name} {module.what}"
    if module.current(target, extdir):
        report(f"{label}: current, in {target}")
        return
    wanted = build_packages(bins)
    install_or_explain(wanted, f"building the {label} needs {', '.join(wanted)}; ", report)
    report(f"building the {label} for PostgreSQL {bins.major}")
    with module.build_dir() as work:
        library, stamp = module.build(bins.bindir / "pg_config", Path(work))
        refusal = f"the {label} is built but cannot be installed into {{}}; run as root: dbharness setup"
        if module.extension_files:
            install_files(module.extension_paths(), extdir, f"the {label}", refusal.format(extdir))
        install_files([library], target, f"the {label}", refusal.format(target))
        install_files([stamp], target, f"the {label}", refusal.format(target))
    report(f"{label}: installed in {target}" + (f" and {extdir}" if module.extension_files else ""))


def ensure_native_modules(bins: PgBinaries, report: Progress) -> None:
    """Every native module: dbharness_rules (the platform's rules live in it) and vector."""
    for module in server_module.MODULES:
        ensure_native_module(module, bins, report)


def compile_harness(report: Progress) -> None:
    """Write the harness's bytecode once, so no run compiles it: where PYTHONDONTWRITEBYTECODE is
    set (CI images often set it) every run would otherwise compile each module it imports. Python
    checks each .pyc against its source, so an edited module is compiled afresh, never stale."""
    package = Path(__file__).resolve().parents[1]
    if not os.access(package, os.W_OK):
        return  # an installed wheel: pip compiled it
    import compileall  # noqa: PLC0415 - setup only

    compileall.compile_dir(str(package), quiet=1)
    report(f"bytecode: compiled in {package}")


def created_extensions(migrations_dir: Path) -> set[str]:
    """Every extension the project's migrations create."""
    found = set()
    for mf in migrations.discover(migrations_dir):
        try:
            statements = mf.body
        except HarnessError:
            continue  # a broken file is reported by the run that applies it
        found |= {e.name for e in map(rules.created_extension, (s.sql for s in statements)) if e}
    return found


def extension_packages(bins: PgBinaries, names: set[str]) -> list[str]:
    """Debian's packages for the extensions among names that this server lacks."""
    extdir = extension_dir(bins)
    return sorted({f"postgresql-{bins.major}-{DEBIAN_EXTENSIONS[n]}" for n in names
                   if n in DEBIAN_EXTENSIONS and not (extdir / f"{n}.control").exists()})


def stale_offline(bins: PgBinaries) -> list[Path]:
    """The offline extensions' files (dbharness/hosted/extensions) the server lacks or has older
    copies of."""
    extdir = extension_dir(bins)
    return [f for f in sorted(compat.EXTENSIONS_DIR.iterdir())
            if not (extdir / f.name).exists() or (extdir / f.name).read_bytes() != f.read_bytes()]


def offline_names() -> list[str]:
    """The extensions the harness provides offline (dbharness/hosted/extensions)."""
    return sorted(p.stem for p in compat.EXTENSIONS_DIR.glob("*.control"))


def replaced_control(extdir: Path, files: list[Path]) -> str | None:
    """The default_version of another pg_cron.control (Debian's) that installing files replaces,
    else None."""
    theirs = extdir / "pg_cron.control"
    if not any(f.name == theirs.name for f in files) or not theirs.exists():
        return None
    text = theirs.read_text(encoding="utf-8", errors="replace")
    if "dbharness" in text:
        return None  # an older copy of the offline one
    found = re.search(r"^\s*default_version\s*=\s*'([^']*)'", text, re.MULTILINE)
    return found.group(1) if found else "unknown"


def ensure_offline(bins: PgBinaries, report: Progress) -> None:
    """Install the offline extensions (pg_net, supabase_vault, pgjwt, http, pg_jsonschema, pgmq,
    pg_cron) into the server's extension directory; a pg_cron.control already there (Debian's
    package) is replaced, and setup says so."""
    files = stale_offline(bins)
    extdir = extension_dir(bins)
    replaced = replaced_control(extdir, files)
    if files:
        install_files(files, extdir, "the offline extensions",
                      f"the offline extensions ({', '.join(offline_names())}) are not installed for "
                      f"PostgreSQL {bins.major}; run as root: {' '.join(_copy_command(files, extdir))}")
    if replaced is not None:
        report(f"pg_cron: the pg_cron.control of version {replaced} (Debian's package) in {extdir} is "
               "replaced by the offline pg_cron 1.6: jobs are stored, never run, and no library is "
               "preloaded (a reinstall of the package puts it back: run dbharness setup again)")
    report(f"offline {', '.join(offline_names())}: in {extdir}")


def ensure_extensions(bins: PgBinaries, migrations_dir: Path, report: Progress,
                      extra: tuple[str, ...] = ()) -> None:
    """The Debian packages of the extensions the migrations create (and of extra), where Debian
    has them."""
    names = created_extensions(migrations_dir) | set(extra)
    install_or_explain(extension_packages(bins, names),
                       "the migrations create extensions this server lacks: ", report)
    if "pg_cron" in names:
        report("pg_cron: the offline 1.6 (cron.database_name = postgres; jobs are stored, never run)")
    extdir = extension_dir(bins)
    unknown = sorted(n for n in names - set(DEBIAN_EXTENSIONS) if not (extdir / f"{n}.control").exists())
    if unknown:
        report(f"no Debian package for: {', '.join(unknown)} (use --engine docker, or stub_extensions)")


def ensure_cli(root: Path, report: Progress) -> None:
    """The pinned Supabase CLI in the project (npm; Node from the distribution when it may)."""
    if shutil.which("npm") is None and _can_apt():
        apt_install(["nodejs", "npm"], report)
    found = supabase_cli.install(root, report)
    if found is not None:
        report(f"Supabase CLI: {found}")


def check(pg_bindir: str | None, report: Progress, settings: Settings | None = None) -> PgBinaries:
    """Every prerequisite of the local engine, installing what is missing when it can; with a
    project's settings, also its migrations' extensions (and the Supabase CLI if it asks)."""
    bins = ensure_server(pg_bindir, report)
    report(f"PostgreSQL {bins.major}: {bins.bindir}")
    owner = server_os_user()
    report(f"server runs as: {owner.name if owner else 'the current user'}")
    ensure_pgtap(bins, report)
    ensure_offline(bins, report)
    ensure_native_modules(bins, report)
    compile_harness(report)
    if settings is not None:
        ensure_extensions(bins, settings.migrations_dir, report, settings.setup_extensions)
    squawk = shutil.which("squawk")
    report(f"squawk: {squawk or 'missing (pip install squawk-cli); needed by dbharness lint'}")
    if settings is not None and settings.supabase_cli:
        ensure_cli(settings.root, report)
    return bins
