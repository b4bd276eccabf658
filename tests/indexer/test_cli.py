"""`qsearch index`: the JSON contract, exit codes and environment defaults."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from search_app.cli import main


def test_json_output_is_one_object_with_the_contract_keys(runner: CliRunner, corpus_copy: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["added", "updated", "deleted", "unchanged", "skipped", "failed", "excluded", "documents", "recovered"]
    # 15 pages and texts, and the sample notice's 3 attachments (issue 22: attachments are read, not skipped)
    assert data["added"] == 19 and data["documents"] == 19
    assert {f["path"] for f in data["failed"]} == {
        "fixtures/empty.txt", "fixtures/binary.html", "fixtures/spaces_only.txt", "fixtures/notes.pdf",  # a PDF with no pages
    }
    assert all(set(f) == {"path", "error"} for f in data["failed"])


NAV_PAGE = "<html><head><title>新闻目录</title></head><body><ul>" + "".join(
    f'<li><a href="/n/{i}.html">第{i}条新闻标题：某地举行质量活动</a></li>' for i in range(40)
) + "</ul></body></html>"
ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def test_navigation_and_error_pages_are_excluded_not_failed(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "notice.txt").write_text("关于开展2024年质量月活动的通知\n各区市场监管局：现将有关事项通知如下。", "utf-8")
    (corpus / "day_index.html").write_text(NAV_PAGE, "utf-8")
    (corpus / "gateway.html").write_text(ERROR_PAGE, "utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    args = ["index", "--corpus", str(corpus), "--index", str(tmp_path / "ix")]
    data = json.loads(runner.invoke(main, [*args, "--json"]).stdout)
    assert data["documents"] == 1
    assert [f["path"] for f in data["failed"]] == ["empty.txt"]
    assert sorted(e["path"] for e in data["excluded"]) == ["day_index.html", "gateway.html"]
    assert all(set(e) == {"path", "reason"} and e["reason"] for e in data["excluded"])
    summary = runner.invoke(main, [*args, "--rebuild"]).stdout
    assert "排除 2 个不是文档的页面" in summary and "失败 1 个文件" in summary


def test_human_summary_lists_failures(runner: CliRunner, corpus_copy: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["index", "--corpus", str(corpus_copy), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    assert "新增 19" in result.stdout and "fixtures/empty.txt" in result.stdout and "文件为空" in result.stdout


def test_exit_1_when_nothing_could_be_indexed(runner: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = runner.invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"][0]["path"] == "a.txt"


def test_exit_2_for_usage_errors(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["index", "--corpus", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["index", "--no-such-option"]).exit_code == 2


def test_defaults_come_from_the_environment(runner: CliRunner, corpus_copy: Path, tmp_path: Path) -> None:
    env = {"QSEARCH_CORPUS": str(corpus_copy), "QSEARCH_INDEX": str(tmp_path / "env-ix")}
    result = runner.invoke(main, ["index", "--json"], env=env)
    assert result.exit_code == 0
    assert (tmp_path / "env-ix").is_dir()
