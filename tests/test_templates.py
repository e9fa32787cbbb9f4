"""The report templates hold prose and lookups only: no assignments, arithmetic, comparisons or
calls beyond the formatters and table(). Every template is parsed, and the check itself is
tested on templates that break each rule."""
import glob
import os

import pytest
from jinja2 import nodes

from common import claims, report

ALLOWED_CALLS = set(claims.FORMATTERS) | {"table"}
ALLOWED_FILTERS = set(claims.FORMATTERS) | {"join", "length", "first", "last"}
FORBIDDEN = {nodes.Assign: "an assignment", nodes.AssignBlock: "an assignment", nodes.Macro: "a macro",
             nodes.BinExpr: "arithmetic", nodes.Compare: "a comparison", nodes.Concat: "concatenation",
             nodes.CallBlock: "a call block", nodes.With: "a with block"}


def analysis_in(source):
    """Problems (one per node) that make a template more than prose and lookups."""
    tree = report.environment().parse(source)
    problems = []
    for node in tree.find_all(nodes.Node):
        for kind, what in FORBIDDEN.items():
            if isinstance(node, kind):
                problems.append(f"line {node.lineno}: {what}")
        if isinstance(node, nodes.Call):
            name = node.node.name if isinstance(node.node, nodes.Name) else None
            if name not in ALLOWED_CALLS:
                problems.append(f"line {node.lineno}: a call of {name or 'a method'}")
        if isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            problems.append(f"line {node.lineno}: the filter {node.name}")
    return problems


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(report.TEMPLATES, "*.md"))),
                         ids=os.path.basename)
def test_every_template_is_prose_and_lookups(path):
    with open(path) as f:
        assert analysis_in(f.read()) == []


@pytest.mark.parametrize("source, what", [
    ("{% set x = F.a.b %}{{ x }}", "an assignment"),
    ("{{ F.a.b * 100 }}", "arithmetic"),
    ("{% if F.a.b > 0.5 %}up{% endif %}", "a comparison"),
    ("{{ F.a.values() }}", "a call of a method"),
    ("{{ F.a.b | sort }}", "the filter sort"),
])
def test_the_check_catches_analysis(source, what):
    assert any(what in p for p in analysis_in(source))


def test_lookups_loops_and_formatters_pass():
    source = ("{% for row in F.a.rows %}{{ row.x | fix(2) }} {{ span(row.v, pct) }}{% endfor %}"
              "{% if F.a.flag.holds %}{{ F.a.flag }}{% endif %}{{ table(F.a.head, F.a.cells) }}")
    assert analysis_in(source) == []


def test_every_template_is_included_by_the_report():
    with open(os.path.join(report.TEMPLATES, report.MAIN_TEMPLATE)) as f:
        main = f.read()
    sections = {os.path.basename(p) for p in glob.glob(os.path.join(report.TEMPLATES, "*.md"))} - {report.MAIN_TEMPLATE}
    assert sections == {name for name in sections if f'include "{name}"' in main}


def test_an_undefined_lookup_names_the_template_line(tmp_path):
    (tmp_path / "t.md").write_text("fine\n{{ F.nope.x }}\n")
    with pytest.raises(claims.ReportError, match=r"t.md:2: UndefinedError"):
        report.render(str(tmp_path), templates=str(tmp_path), main="t.md", found={})
