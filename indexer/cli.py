"""`qsearch index`: build or update the index from the corpus."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer import backends
from indexer.backends import BACKEND_ENV, BACKENDS, Target
from indexer.backends.typesense.client import API_KEY_ENV, API_KEY_FILE_ENV, NODES_ENV
from indexer.errors import QsearchError

if TYPE_CHECKING:  # the build machinery is imported when a build runs: `qsearch serve` starts without it
    from indexer.build import BuildReport

CORPUS_OPTION = click.option(
    "--corpus", envvar="QSEARCH_CORPUS", default="corpus", show_default=True,
    type=click.Path(file_okay=False, path_type=Path), help="存放原始文档的目录（环境变量 QSEARCH_CORPUS）。",
)
INDEX_OPTION = click.option(
    "--index", "index_dir", envvar="QSEARCH_INDEX", default="index", show_default=True,
    type=click.Path(file_okay=False, path_type=Path), help="索引目录（环境变量 QSEARCH_INDEX）。",
)




def backend_options(command):
    """--backend, --nodes, --api-key, --api-key-file: the same on every command that reads or writes."""
    for option in reversed([
        click.option("--backend", envvar=BACKEND_ENV, type=click.Choice(BACKENDS), default="whoosh", show_default=True,
                     help=f"whoosh：本地索引目录；typesense：Typesense 集群（环境变量 {BACKEND_ENV}）。"),
        click.option("--nodes", envvar=NODES_ENV, default=None,
                     help=f"Typesense 节点，host:port,…（环境变量 {NODES_ENV}）。"),
        click.option("--api-key", envvar=API_KEY_ENV, default=None, help=f"Typesense API 密钥（环境变量 {API_KEY_ENV}）。"),
        click.option("--api-key-file", envvar=API_KEY_FILE_ENV, default=None,
                     type=click.Path(dir_okay=False, path_type=Path),
                     help=f"存放 Typesense API 密钥的文件（环境变量 {API_KEY_FILE_ENV}）。"),
    ]):
        command = option(command)
    return command


def index_target(index_dir: Path, backend: str, nodes: str | None, api_key: str | None, api_key_file: Path | None) -> Target:
    """The index the options name (a ClickException when the typesense settings are incomplete)."""
    try:
        return backends.target(backend, index_dir, nodes, api_key, api_key_file)
    except QsearchError as exc:
        raise click.ClickException(str(exc)) from None


def fail(exc: Exception, as_json: bool, code: int) -> None:
    """Stop on an error: one JSON object `{"error"}` and exit `code` with --json, else click's message."""
    message = exc.message if isinstance(exc, click.ClickException) else str(exc)
    if as_json:
        click.echo(json.dumps({"error": message}, ensure_ascii=False))  # still exactly one JSON object
        sys.exit(code)
    if isinstance(exc, click.ClickException):
        raise exc
    raise click.ClickException(message) from None


class _Bar:
    """Progress bars on stderr (one per phase), shown only on a terminal."""

    def __init__(self) -> None:
        self.bar = None
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = click.progressbar(length=total, label=phase, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.bar.length - self.bar.pos)
            self.bar.__exit__(None, None, None)
            self.bar = None


def _summary(report: BuildReport, seconds: float) -> str:
    lines = [
        f"新增 {report.added}，更新 {report.updated}，删除 {report.deleted}，未变 {report.unchanged}；"
        f"索引中共 {report.documents} 篇文档（用时 {seconds:.1f} 秒）。"
    ]
    if report.skipped:
        lines.append(f"跳过 {len(report.skipped)} 个不支持的文件（只读 .html .htm .shtml .xhtml .txt）：")
        lines += [f"  {p}" for p in report.skipped[:20]]
        if len(report.skipped) > 20:
            lines.append(f"  ……另有 {len(report.skipped) - 20} 个")
    if report.excluded:
        lines.append(f"排除 {len(report.excluded)} 个不是文档的页面（目录页、错误页等，不算失败）：")
        lines += _by_reason(report.excluded, "reason")
    if report.failed:
        lines.append(f"失败 {len(report.failed)} 个文件（无法读取，已跳过，其余照常索引）：")
        lines += _by_reason(report.failed, "error")
    return "\n".join(lines)


def _by_reason(rows: list[dict], key: str) -> list[str]:
    """One line per reason, commonest first, with up to five of its paths."""
    by_reason: dict[str, list[str]] = {}
    for row in rows:
        by_reason.setdefault(row[key], []).append(row["path"])
    lines = []
    for reason, paths in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        shown = "、".join(paths[:5]) + (f" 等 {len(paths)} 个" if len(paths) > 5 else "")
        lines.append(f"  {reason}：{shown}")
    return lines


@click.command("index")
@CORPUS_OPTION
@INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="丢弃现有索引，全部重建。")
@click.option("--json", "as_json", is_flag=True, help="只输出一个 JSON 对象。")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=None,
    help="并行分析文件的进程数（默认：文件较多时每个 CPU 核一个）。",
)
@backend_options
def index_command(corpus: Path, index_dir: Path, rebuild: bool, as_json: bool, jobs: int | None,
                  backend: str, nodes: str | None, api_key: str | None, api_key_file: Path | None) -> None:
    """建立或增量更新索引（--backend typesense：写入 Typesense 集群）。"""
    if not corpus.is_dir():
        if as_json:
            fail(QsearchError(f"语料目录 {corpus} 不存在或不是目录：请用 --corpus 或 QSEARCH_CORPUS 指定存放文档的目录。"), True, 2)
        raise click.BadParameter(f"目录 {corpus} 不存在", param_hint="--corpus")
    try:
        where = index_target(index_dir, backend, nodes, api_key, api_key_file)
    except click.ClickException as exc:
        fail(exc, as_json, 2)
    bar = _Bar() if sys.stderr.isatty() else None
    started = time.perf_counter()
    try:
        report = backends.build(corpus, where, rebuild=rebuild, progress=bar, jobs=jobs)
    except QsearchError as exc:
        fail(exc, as_json, 1)
    except KeyboardInterrupt:
        click.echo("\n已中断：索引保持中断前的样子，下次运行会接着补上。", err=True)
        sys.exit(130)
    finally:
        if bar:
            bar.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        click.echo(_summary(report, time.perf_counter() - started))
    if report.documents == 0:
        if not as_json:
            click.echo("没有任何文档被索引。", err=True)
        sys.exit(1)
