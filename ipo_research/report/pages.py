"""The rendered pages of a run, and the operator's view of the runs.

Each executed notebook becomes a reviewer page (narrative, tables and figures, no code) and a
full page (with code), rendered by :mod:`.chapter` (nbconvert) inside the shared shell of
:mod:`.layout`, both opening with the data banner, once. The page body sits between
``<!-- ipo:body -->`` markers so the site (:mod:`.site`) can add the navigation that needs every
chapter without rendering again. :func:`runs_body` is ``OUT/runs.html``'s content: every run
with its parameters, status, duration, pages and error, then the provenance (git commit,
package versions with the dependency lock's hash and any package installed at another
version than the lock's, input hashes, start and total time). Links and paths are relative to OUT, so
the folder can be moved or published as it is.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ipo_research.files import atomic_write_text
from ipo_research.report.banner import banner_html
from ipo_research.report.chapter import relative_paths, render_chapter
from ipo_research.report.layout import PageShell, page_html

__all__ = ["PAGE_KINDS", "INDEX_NAME", "RUNS_NAME", "manifest_banner", "page_paths", "render_pages", "runs_body"]

PAGE_KINDS = ("reviewer", "full")
INDEX_NAME = "index.html"
RUNS_NAME = "runs.html"
_SUFFIX = {"reviewer": ".html", "full": ".full.html"}


def page_paths(run_id: str) -> dict[str, str]:
    """Where a run's pages go, relative to OUT.

    Examples
    --------
    >>> page_paths("02_landscape")
    {'reviewer': 'html/02_landscape.html', 'full': 'html/02_landscape.full.html'}
    """
    return {kind: f"html/{run_id}{_SUFFIX[kind]}" for kind in PAGE_KINDS}


def render_pages(notebook: str | Path, *, out_dir: str | Path, run_id: str,
                 banner: str | None = None, codebook=None) -> dict[str, str]:
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
        HTML shown once at the top of both pages (the data banner) when the notebook does not
        display one itself.
    codebook : Codebook, optional
        Labels model terms in displayed tables.

    Returns
    -------
    dict of str to str
        Page kind (``"reviewer"``, ``"full"``) to its path relative to OUT.
    """
    chapter = render_chapter(notebook, out_dir=out_dir, codebook=codebook)
    shown = chapter.banner or banner or ""
    written = page_paths(run_id)
    for kind in PAGE_KINDS:
        shell = PageShell(title=chapter.title or run_id, url=written[kind],
                          banner=f"<!-- ipo:banner -->\n{shown}\n<!-- /ipo:banner -->")
        body = f"<!-- ipo:body -->\n{chapter.bodies[kind]}\n<!-- /ipo:body -->"
        atomic_write_text(Path(out_dir) / written[kind], page_html(shell, body))
    return written


def runs_body(manifest: dict[str, Any], *, out_dir: str | Path | None = None) -> str:
    """The operator's view of a run: every run, then the provenance.

    Parameters
    ----------
    manifest : dict
        As written by the runner: ``runs``, ``inputs``, ``versions``, ``git``, ``started``,
        ``seconds``, ``pipeline``.
    out_dir : str or Path, optional
        OUT: parameters and errors that name it (or the project root) by its absolute path
        show it relative (:func:`~ipo_research.report.chapter.relative_paths`).

    Returns
    -------
    str
        An HTML fragment.
    """
    runs = manifest.get("runs", [])
    counts = {status: sum(run.get("status") == status for run in runs)
              for status in ("ok", "unchanged", "failed", "skipped")}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    parts = [
        "<h1>Runs and provenance</h1>",
        f"<p>{len(runs)} runs: {html.escape(summary or 'none')}. Each run has a reviewer page "
        "(narrative, tables and figures) and a full page (with the code).</p>",
        _runs_table(runs),
        _provenance(manifest),
    ]
    body = "\n".join(parts)
    return relative_paths(body, out_dir) if out_dir is not None else body


def manifest_banner(manifest: dict[str, Any]) -> str:
    """The data banner for pages of a whole run: synthetic if any run read synthetic data."""
    runs = manifest.get("runs", [])
    sources = [run["data"] for run in runs if run.get("data")]
    if not sources:
        return ""
    synthetic = [source for source in sources if source.get("synthetic")]
    shown = (synthetic or sources)[0]
    return banner_html(synthetic=bool(synthetic), source=str(shown.get("path", "")))


def _runs_table(runs: list[dict[str, Any]]) -> str:
    rows = ['<div class="ipo-scroll" role="region" tabindex="0" aria-label="Runs">', "<table>", "<thead><tr><th>Run</th><th>Stage</th><th>Parameters</th><th>Status</th>"
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
    rows += ["</tbody>", "</table>", "</div>"]
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
    lines = ['<h2 id="provenance">Provenance</h2>', "<table><tbody>"]
    lines += [f"<tr><th>{name}</th><td><code>{html.escape(str(value))}</code></td></tr>"
              for name, value in facts]
    lines += ["</tbody></table>", '<h3 id="inputs">Inputs (sha256, shortened)</h3>', "<table><tbody>"]
    lines += [f"<tr><td><code>{html.escape(path)}</code></td><td><code>{digest[:12]}</code></td></tr>"
              for path, digest in (manifest.get("inputs") or {}).items()]
    lines += ["</tbody></table>", '<h3 id="versions">Package versions</h3>', _lock_summary(manifest),
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
