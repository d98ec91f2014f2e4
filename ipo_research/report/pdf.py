"""The report as one PDF, printed by headless Chromium.

:func:`write_pdf` writes the front page and every chapter's reviewer body, in reading order, to
one print document beside the site (so its relative links to ``assets/`` hold), has Chromium
print it (``--print-to-pdf``; the page numbers come from the stylesheet's ``@page`` footer, not
from Chromium's own header and footer, which would print the machine's path and the date) and
removes the print document. Figure and table numbers are those of the site.

The browser is Debian's ``chromium`` (or ``chromium-browser``, ``google-chrome``), or the one
the environment variable ``IPO_RESEARCH_CHROMIUM`` names. Without one, :class:`BrowserNotFound`
(exit 2) says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ipo_research.exceptions import ConfigError, RunError
from ipo_research.files import atomic_write_text

__all__ = ["BrowserNotFound", "PDF_NAME", "find_browser", "write_pdf"]

PDF_NAME = "report.pdf"
BROWSER_VARIABLE = "IPO_RESEARCH_CHROMIUM"
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_PRINT_NAME = "report-print.html"


class BrowserNotFound(ConfigError):
    """No Chromium to print the PDF with."""


def find_browser() -> str:
    """The Chromium executable to print with.

    Raises
    ------
    BrowserNotFound
        When none is found, with the command that installs one.
    """
    named = os.environ.get(BROWSER_VARIABLE)
    if named:
        if shutil.which(named):
            return shutil.which(named)
        raise BrowserNotFound(f"{BROWSER_VARIABLE}={named} is not an executable; point it at "
                              "Chromium or unset it")
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise BrowserNotFound(
        "printing the PDF needs Chromium, and none was found (looked for "
        f"{', '.join(_CANDIDATES)} on PATH). Install it (Debian/Ubuntu: `sudo apt-get install "
        f"chromium`) or set {BROWSER_VARIABLE} to its executable; the HTML site under OUT is "
        "complete without it")


def write_pdf(out_dir: str | Path, manifest: dict[str, Any], *, browser: str | None = None,
              timeout: float = 300) -> Path:
    """Print the report to ``OUT/report.pdf``.

    Parameters
    ----------
    out_dir : str or Path
        OUT, with the site already built (:func:`ipo_research.report.site.build_site`).
    manifest : dict
        As written by the runner.
    browser : str, optional
        The Chromium executable (default: :func:`find_browser`).
    timeout : float
        Seconds Chromium may take.

    Returns
    -------
    Path
        The PDF.
    """
    from ipo_research.report.site import print_html

    browser = browser or find_browser()
    out = Path(out_dir).resolve()
    document = atomic_write_text(out / _PRINT_NAME, print_html(out, manifest))
    target = out / PDF_NAME
    partial = out / f".{PDF_NAME}.partial"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={partial}", document.as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise RunError(f"Chromium did not finish printing {PDF_NAME} within {timeout:.0f} s") from error
    finally:
        document.unlink(missing_ok=True)
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        last = (done.stderr or "").strip().splitlines()[-3:]
        raise RunError(f"Chromium could not print {PDF_NAME} (exit {done.returncode}): "
                       + " | ".join(last))
    partial.replace(target)
    return target
