"""The lock benchmark as a picture: each writer's latency over time while the project's migrations
run and while the naive variant runs, with the ACCESS EXCLUSIVE windows shaded (matplotlib, the
optional extra `dbharness[plot]`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbharness.errors import PrerequisiteError


def draw(locks: dict[str, Any], path: Path) -> Path:
    """Write the picture of bench's lock result (project above, naive variant below) to path (.svg
    or .png)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        raise PrerequisiteError("the lock picture needs matplotlib: pip install 'dbharness[plot]'") from None
    fig, axes = pyplot.subplots(2, 1, figsize=(9, 5.5), sharex=True, sharey=True)
    panels = (("project", "the project's migrations"),
              ("naive", "the naive variant (one transaction, no NOT VALID, no CONCURRENTLY)"))
    for ax, (name, title) in zip(axes, panels, strict=True):
        m = locks[name]
        for a, b in m["exclusive_windows"]:
            ax.axvspan(a, b, color="tab:red", alpha=0.25, linewidth=0)
        xs = [t for t, _ in m["series"]]
        ys = [ms for _, ms in m["series"]]
        ax.plot(xs, ys, ".", markersize=2, color="tab:blue", rasterized=True)  # a small file
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.axvline(m["migrate_s"], color="grey", linewidth=0.8, linestyle="--")
        ax.set_yscale("log")
        ax.set_title(f"{title}: longest stall {m['longest_stall_ms']:.0f} ms, ACCESS EXCLUSIVE held "
                     f"{m['access_exclusive_longest_ms']:.0f} ms", fontsize=9)
        ax.set_ylabel("write latency (ms)")
    axes[1].set_xlabel("seconds since the migrations started "
                       "(dashed: they ended; red: ACCESS EXCLUSIVE held)")
    fig.suptitle(f"{locks['writers']} writers on {locks['rows']:,} rows", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    pyplot.close(fig)
    return path
