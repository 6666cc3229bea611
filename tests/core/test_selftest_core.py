"""The core half of ``--self-test`` (no Qt): its steps pass, and a failure is one plain line and exit 1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cspdesk import selftest


def test_core_steps_pass_and_clean_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(selftest.tempfile, "tempdir", str(tmp_path))
    out = io.StringIO()
    assert selftest.run(out=out) == 0
    text = out.getvalue()
    for step in ("database", "panel", "case", "pdf", "about"):
        assert f"self-test  {step:<10} ok" in text
    assert "passed in" in text
    assert not list(tmp_path.iterdir())


def test_a_failing_step_exits_1_with_a_plain_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(selftest.tempfile, "tempdir", str(tmp_path))

    def broken(self, case_id: int, **_kwargs) -> bytes:  # noqa: ANN001, ANN003
        return b"<html>not a pdf</html>"

    monkeypatch.setattr("cspdesk.services.papers.case_summary.CaseSummaryService.render", broken)
    assert selftest.run(out=io.StringIO()) == 1
    assert "the self-test failed at pdf: the report does not start with %PDF-" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("content", "pages"), [
    (b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page>>\n%%EOF\n", 2),
])
def test_check_pdf_counts_page_objects(content: bytes, pages: int) -> None:
    assert selftest.check_pdf(content) == pages
    with pytest.raises(selftest.SelfTestFailed, match="no %%EOF"):
        selftest.check_pdf(content[:-7])
