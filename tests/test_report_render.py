"""The report's rendering: escaping of every text, readable numbers, capped tables, safe CSV cells.

Fast unit tests on hand-made sections; the end-to-end runs are in test_report.py.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from econindex._report_render import (
    MAX_ROWS,
    Code,
    Link,
    Section,
    csv_safe,
    format_number,
    md_escape,
    render_html,
    render_markdown,
)

PAYLOAD = "<script>alert(1)</script>"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.data.append(data)


def _hostile_section() -> Section:
    sec = Section(PAYLOAD, f"Title {PAYLOAD}", lead=f"Lead {PAYLOAD}")
    sec.paragraphs.append(f"Cross-sections use window starting {PAYLOAD}.")
    sec.paragraphs.append(["see ", Code(PAYLOAD), " and ", Link(PAYLOAD, 'x" onmouseover="alert(1)')])
    sec.preformatted.append(f"summary {PAYLOAD} ```")
    sec.warnings.append(f"warning {PAYLOAD}")
    sec.add_table(PAYLOAD, pd.DataFrame({PAYLOAD: [PAYLOAD], "n": [1.0]}), f"Caption {PAYLOAD}")
    return sec


def test_html_escapes_every_text():
    page = render_html(f"report {PAYLOAD}", [_hostile_section()], links=[Link(PAYLOAD, "explore.html")])
    parsed = _Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags  # no element was injected
    assert "<script" not in page.lower()
    assert 'onmouseover="' not in page
    # the payload is still shown, as text
    assert sum(PAYLOAD in d for d in parsed.data) >= 8


def test_markdown_escapes_every_text(tmp_path):
    md = render_markdown(f"report {PAYLOAD}", [_hostile_section()], tmp_path / "figures")
    fenced = re.sub(r"(`{3,})\n.*?\n\1", "", md, flags=re.S)  # code blocks show text verbatim
    assert "<script" not in fenced.lower()
    assert "&lt;script&gt;" in fenced
    # the pre-formatted block uses a fence longer than any backtick run in it
    assert "````\nsummary <script>alert(1)</script> ```\n````" in md
    # numbers in table cells are not escaped
    sec = Section("n", "Numbers")
    sec.add_table("t", pd.DataFrame({"x": [1.768, -3.112]}), "Numbers")
    md2 = render_markdown("t", [sec], tmp_path / "f2")
    assert "| 1.768 |" in md2 and "| -3.112 |" in md2


def test_md_escape_neutralizes_markup():
    assert md_escape("[click](javascript:x)") == "\\[click\\](javascript:x)"
    assert md_escape("a | b") == "a \\| b"
    assert md_escape("line\nbreak") == "line break"  # a newline cannot end a table row early
    assert md_escape("# heading") == "\\# heading"
    assert md_escape("1. first") == "1\\. first"  # not an ordered list
    assert md_escape("-3.112", line_start=False) == "-3.112"  # numbers in table cells stay as they are


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        (61600.0, "", "61,600"),
        (6.16e4, "conversations", "61,600"),
        (1234567, "", "1,234,567"),
        (0.689512, "", "0.6895"),
        (-3.11236, "", "-3.112"),
        (2.0, "", "2"),
        (0.0002468, "", "0.0002468"),
        (float("nan"), "", ""),
        (4.5e-11, "p_value", "< 0.001"),
        (0.35721, "p_value", "0.357"),
        (1e-120, "p_holm", "< 0.001"),
        (1e-120, "", "< 0.000001"),
    ],
)
def test_format_number(value, column, expected):
    assert format_number(value, column) == expected
    assert "e+" not in format_number(value, column) and "e-" not in format_number(value, column)


def test_long_tables_are_capped_and_linked():
    sec = Section("s", "S")
    sec.add_table("big", pd.DataFrame({"i": range(MAX_ROWS + 760)}), "Big table")
    page = render_html("t", [sec])
    assert page.count("<tr>") == MAX_ROWS + 1  # header + MAX_ROWS rows
    assert f"First {MAX_ROWS} of 960 rows" in page and 'href="tables/big.csv"' in page
    small = Section("s", "S")
    small.add_table("t", pd.DataFrame({"i": range(5)}), "Small")
    small.add_table("hidden", pd.DataFrame({"i": range(5)}), "CSV only", show=False)
    page = render_html("t", [small])
    assert page.count("<tr>") == 6 and 'href="tables/hidden.csv"' in page
    assert "<caption>Small" in page


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized():
    df = pd.DataFrame(
        {
            "cluster": ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "plain", None],
            "estimate": [-3.1, 1.0, -0.5, 2.0, 3.0, 4.0, 5.0],
            "=bad column": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    buf = io.StringIO()
    csv_safe(df).to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()), keep_default_na=False)
    for cell in back["cluster"]:
        assert not str(cell).startswith(("=", "+", "-", "@", "\t"))
    assert back["cluster"].tolist()[:4] == ['\'=HYPERLINK("http://x")', "'+1+2", "'-2+3", "'@SUM(A1)"]
    assert back["estimate"].tolist() == df["estimate"].tolist()  # numbers stay numeric, signs kept
    assert pd.api.types.is_float_dtype(back["estimate"])
    assert "'=bad column" in back.columns
    assert df["cluster"].iloc[0].startswith("=")  # the caller's frame is untouched
