"""The rendered report: two HTML pages per run and the index page.

Each executed notebook becomes a reviewer page (narrative, tables and figures, no code) and a
full page (with code), both made by nbconvert's HTMLExporter and both opening with the data
banner. ``OUT/index.html`` lists every run with its parameters, status, duration, pages and
error, then the provenance: git commit, package versions with the dependency lock's hash (and
any package installed at another version than the lock's), input hashes, start and total time.
Links and paths are relative to OUT, so the folder can be moved or published as it is.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ipo_research.atomic import atomic_write_text
from ipo_research.banner import banner_html

__all__ = ["PAGE_KINDS", "INDEX_NAME", "page_paths", "render_pages", "write_index"]

PAGE_KINDS = ("reviewer", "full")
INDEX_NAME = "index.html"
_SUFFIX = {"reviewer": ".html", "full": ".full.html"}
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#1a1a1a;line-height:1.45}
table{border-collapse:collapse;margin:0.5em 0 1.5em 0;width:100%}
th,td{border:1px solid #ccc;padding:0.35em 0.6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.params{margin:0;padding-left:1em;font-size:0.9em}
.status-ok{color:#1b7837;font-weight:600}
.status-failed{color:#b2182b;font-weight:600}
.status-skipped{color:#8c510a;font-weight:600}
code{font-size:0.92em}
"""


def page_paths(run_id: str) -> dict[str, str]:
    """Where a run's pages go, relative to OUT.

    Examples
    --------
    >>> page_paths("02_landscape")
    {'reviewer': 'html/02_landscape.html', 'full': 'html/02_landscape.full.html'}
    """
    return {kind: f"html/{run_id}{_SUFFIX[kind]}" for kind in PAGE_KINDS}


def render_pages(notebook: str | Path, *, out_dir: str | Path, run_id: str,
                 banner: str | None = None) -> dict[str, str]:
    """Render an executed notebook into its reviewer and full pages.

    Parameters
    ----------
    notebook : str or Path
        The executed notebook.
    out_dir : str or Path
        OUT; pages go to ``OUT/html/``.
    run_id : str
        Names the pages and titles them.
    banner : str, optional
        HTML shown at the top of both pages (the data banner).

    Returns
    -------
    dict of str to str
        Page kind (``"reviewer"``, ``"full"``) to its path relative to OUT.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    if banner:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(banner, id="ipo-data-banner"))
    exporters = {
        "reviewer": HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True),
        "full": HTMLExporter(),
    }
    written = page_paths(run_id)
    for kind, exporter in exporters.items():
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": run_id}})
        atomic_write_text(Path(out_dir) / written[kind], body)
    return written


def write_index(out_dir: str | Path, manifest: dict[str, Any], *,
                title: str = "ipo-research: rendered notebooks") -> Path:
    """Write ``OUT/index.html`` from a manifest.

    Parameters
    ----------
    out_dir : str or Path
        OUT.
    manifest : dict
        As written by the runner: ``runs``, ``inputs``, ``versions``, ``environment``, ``git``,
        ``started``, ``seconds``, ``pipeline``.
    title : str
        The page heading.

    Returns
    -------
    Path
        The index page.
    """
    runs = manifest.get("runs", [])
    counts = {status: sum(run.get("status") == status for run in runs)
              for status in ("ok", "failed", "skipped")}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        _index_banner(runs),
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(runs)} runs: {html.escape(summary or 'none')}. Each run has a reviewer page "
        "(narrative, tables and figures) and a full page (with the code).</p>",
        _runs_table(runs),
        _provenance(manifest),
        "</body>", "</html>",
    ]
    return atomic_write_text(Path(out_dir) / INDEX_NAME, "\n".join(p for p in parts if p) + "\n")


def _index_banner(runs: list[dict[str, Any]]) -> str:
    sources = [run["data"] for run in runs if run.get("data")]
    if not sources:
        return ""
    synthetic = [source for source in sources if source.get("synthetic")]
    shown = (synthetic or sources)[0]
    return banner_html(synthetic=bool(synthetic), source=str(shown.get("path", "")))


def _runs_table(runs: list[dict[str, Any]]) -> str:
    rows = ["<table>", "<thead><tr><th>Run</th><th>Stage</th><th>Parameters</th><th>Status</th>"
            "<th>Seconds</th><th>Pages</th><th>Error</th></tr></thead>", "<tbody>"]
    for run in runs:
        status = str(run.get("status", ""))
        duration = run.get("duration_s")
        pages = run.get("html") or {}
        links = " · ".join(
            f'<a href="{html.escape(pages[kind])}">{kind}</a>' for kind in PAGE_KINDS if kind in pages
        )
        parameters = "".join(
            f"<li><code>{html.escape(name)}</code> = <code>{html.escape(repr(value))}</code></li>"
            for name, value in (run.get("parameters") or {}).items()
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(run.get('id', '')))}</td>"
            f"<td>{html.escape(str(run.get('stage', '')))}</td>"
            f'<td><ul class="params">{parameters}</ul></td>'
            f'<td class="status-{html.escape(status)}">{html.escape(status)}</td>'
            f'<td class="num">{"" if duration is None else f"{duration:.1f}"}</td>'
            f"<td>{links}</td>"
            f"<td>{html.escape(str(run.get('error') or ''))}</td>"
            "</tr>"
        )
    rows += ["</tbody>", "</table>"]
    return "\n".join(rows)


def _provenance(manifest: dict[str, Any]) -> str:
    git = manifest.get("git") or {}
    commit = git.get("commit") or "unknown"
    if git.get("dirty"):
        commit += " (with uncommitted changes)"
    seconds = manifest.get("seconds")
    facts = [
        ("Pipeline", manifest.get("pipeline", "")),
        ("Git commit", commit),
        ("Started", manifest.get("started", "")),
        ("Total seconds", "" if seconds is None else f"{seconds:.1f}"),
        ("Package source hash", str(manifest.get("package_source", ""))[:12]),
    ]
    lines = ["<h2>Provenance</h2>", "<table><tbody>"]
    lines += [f"<tr><th>{name}</th><td><code>{html.escape(str(value))}</code></td></tr>"
              for name, value in facts]
    lines += ["</tbody></table>", "<h3>Inputs (sha256, shortened)</h3>", "<table><tbody>"]
    lines += [f"<tr><td><code>{html.escape(path)}</code></td><td><code>{digest[:12]}</code></td></tr>"
              for path, digest in (manifest.get("inputs") or {}).items()]
    lines += ["</tbody></table>", "<h3>Package versions</h3>", _lock_summary(manifest),
              "<table><tbody>"]
    lines += [f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(str(version))}</code></td></tr>"
              for name, version in (manifest.get("versions") or {}).items()]
    lines += ["</tbody></table>"]
    return "\n".join(lines)


def _lock_summary(manifest: dict[str, Any]) -> str:
    environment = manifest.get("environment") or {}
    if not environment.get("lock_sha256"):
        return "<p>This run recorded no dependency lock: the versions below were not checked.</p>"
    lock = (f"<code>{html.escape(str(environment.get('lock')))}</code>, sha256 "
            f"<code>{html.escape(environment['lock_sha256'])}</code>")
    differences = environment.get("differences") or []
    if not differences:
        return f"<p>Installed as locked by {lock}: every package it pins is at its pinned version.</p>"
    items = "".join(
        f"<li><code>{html.escape(d['name'])}</code>: locked "
        f"<code>{html.escape(str(d.get('locked')))}</code>, installed "
        f"<code>{html.escape(str(d.get('installed') or 'nothing'))}</code></li>"
        for d in differences)
    return (f'<p class="status-failed">This run\'s environment differs from the lock {lock}; '
            f"its numbers may differ from a locked run's:</p><ul>{items}</ul>")
