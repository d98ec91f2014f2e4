"""The benchmark scripts define everything ``main`` calls before they call it.

A script whose ``if __name__ == "__main__":`` comes before a function ``main`` calls stops with
a NameError when run (benchmarks/run_pipeline.py --executors did), which importing it never shows.
"""

import ast

import pytest

from ipo_research.paths import PROJECT_ROOT

SCRIPTS = sorted((PROJECT_ROOT / "benchmarks").glob("*.py"))


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in (
        "__name__ == '__main__'", "'__main__' == __name__")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_main_guard_is_the_last_statement(script):
    body = ast.parse(script.read_text(encoding="utf-8")).body
    guards = [position for position, node in enumerate(body) if _is_main_guard(node)]
    assert guards == [len(body) - 1], f"{script.name}: move `if __name__ == '__main__':` to the end"
