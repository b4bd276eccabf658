"""`qsearch search`: readable output, the API's JSON with --json, errors with hints."""
from __future__ import annotations

import json
from pathlib import Path

from search_app.cli import main


def test_search_json_is_the_api_object(runner, client, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "质量月", "--index", str(sample_index), "--json", "--limit", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    api = client.get("/api/search", query_string={"q": "质量月", "per_page": 5}).get_json()
    assert [r["id"] for r in data["results"]] == [r["id"] for r in api["results"]]
    assert set(data) == set(api) and data["total"] == api["total"]


def test_search_readable_output_with_filters(runner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "质量月", "--index", str(sample_index), "--region", "浙江", "--type", "新闻"])
    assert result.exit_code == 0
    assert "条结果" in result.stdout
    assert "【质量月】" in result.stdout or "【質量月】" in result.stdout


def test_search_bad_year_is_a_usage_error(runner, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "质量", "--index", str(sample_index), "--year", "abc"])
    assert result.exit_code == 2 and "year" in result.output


def test_search_without_index_says_what_to_do(runner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["search", "质量", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "qsearch index" in result.output
