"""The `qsearch` command: one console script with subcommands."""
from __future__ import annotations

import html as htmllib
import json
import re
import sys
from pathlib import Path

import click

from indexer.backends.typesense import cluster as typesense_cluster
from indexer.cli import INDEX_OPTION, backend_options, index_command, index_target
from indexer.errors import QsearchError
from search_app import browse
from search_app.query import BadParameter
from search_app.results import MAX_PER_PAGE
from search_app.store import Store, make_store

_MARK = re.compile(r"</?mark>")


class _Command(click.Command):
    """A subcommand whose errors of ours become click's messages: a bad parameter a usage error
    (exit 2), anything else (no index, an unreachable cluster …) a one-line hint (exit 1)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BadParameter as exc:
            raise click.UsageError(str(exc), ctx) from None
        except QsearchError as exc:
            raise click.ClickException(str(exc)) from None


class _Commands(click.Group):
    command_class = _Command
    group_class = type


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """质量档案检索：建立索引、检索、提供网页服务。"""


main.add_command(index_command)


def _plain(html: str, color: bool) -> str:
    """A snippet's HTML as terminal text: marks in bold red on a terminal, 【】 otherwise."""
    opening, closing = ("\x1b[1;31m", "\x1b[0m") if color else ("【", "】")
    return htmllib.unescape(_MARK.sub(lambda m: closing if m.group(0) == "</mark>" else opening, html))


@main.command("search")
@click.argument("query", nargs=-1, required=True)
@INDEX_OPTION
@click.option("--year", help="年份或年份范围，如 2022、2020-2022。")
@click.option("--region", help="地区，如 上海、浦东新区。")
@click.option("--type", "doc_type", help="文档类型，如 通知、通报、新闻。")
@click.option("--org", help="单位名称。")
@click.option("--campaign", help="活动，如 质量月、QC小组活动、世界计量日。")
@click.option("--industry", help="行业，如 钢铁、建筑、电力、食品。")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, MAX_PER_PAGE), help="最多显示几条。")
@click.option("--json", "as_json", is_flag=True, help="输出与 /api/search 相同的 JSON。")
@backend_options
def search_command(query, index_dir: Path, year, region, doc_type, org, campaign, industry, limit: int, as_json: bool,
                   **backend) -> None:
    """检索：QUERY 中的词默认同时出现；"…" 为短语；支持 OR、NOT/-词。"""
    args = {
        "q": " ".join(query), "year": year, "region": region, "doc_type": doc_type, "org": org, "campaign": campaign,
        "industry": industry, "per_page": limit,
    }
    store = _store(index_dir, backend)
    try:
        result = store.search({k: v for k, v in args.items() if v is not None})
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    color = sys.stdout.isatty()
    click.echo(f"共 {result['total']} 条结果（用时 {result['took_ms']} 毫秒）")
    if result["partial"]:
        click.echo("（检索词太常见：在时间限制内只比较了部分文档，排序可能不是最优）")
    for n, r in enumerate(result["results"], 1):
        meta = " · ".join(str(v) for v in (r["date"] or r["year"], r["region"], r["doc_type"], "、".join(r["campaigns"])) if v)
        click.echo(f"\n{n}. {_plain(r['title_html'], color)}  [{meta}]")
        click.echo(f"   {_plain(r['snippet'], color)}")
        click.echo(f"   {r['path']}")


def _store(index_dir: Path, backend: dict) -> Store:
    """The store the index and backend options name."""
    return make_store(index_target(index_dir, **backend))


def _rows(index_dir: Path, backend: dict) -> browse.Rows:
    store = _store(index_dir, backend)
    try:
        return browse.rows(store)
    finally:
        store.close()


@main.command("orgs")
@INDEX_OPTION
@click.option("--year", help="年份或年份范围。")
@click.option("--kind", type=click.Choice(sorted(browse.KINDS)), help="单位类型。")
@click.option("--region", help="地区。")
@click.option(
    "--scope", type=click.Choice(sorted(browse.SCOPES)), default="all", show_default=True,
    help="campaign：只看质量活动文档；all：全部文档。",
)
@click.option("--json", "as_json", is_flag=True, help="输出与 /api/organizations 相同的 JSON。")
@click.option("--csv", "as_csv", is_flag=True, help="输出 CSV（UTF-8，带 BOM）。")
@backend_options
def orgs_command(index_dir: Path, year, kind, region, scope: str, as_json: bool, as_csv: bool, **backend) -> None:
    """列出文档中提到的单位（企业、协会、政府机关、院校医院）。"""
    if as_json and as_csv:
        raise click.UsageError("--json 和 --csv 只能选一个")
    orgs = browse.organizations(_rows(index_dir, backend), year, kind, region, scope=scope)
    if as_json:
        page = browse.paged(orgs, None, None, None)
        click.echo(json.dumps({"organizations": page.pop("items"), **page}, ensure_ascii=False))
    elif as_csv:
        sys.stdout.buffer.write(browse.organizations_csv(orgs).encode("utf-8"))
    else:
        click.echo(f"共 {len(orgs)} 个单位")
        for org in orgs:
            years = "、".join(map(str, org["years"]))
            click.echo(f"{org['name']}\t{browse.KINDS.get(org['kind'], org['kind'])}\t{years}\t{len(org['documents'])} 篇")


@main.command("themes")
@INDEX_OPTION
@click.option("--year", help="年份或年份范围。")
@click.option("--region", help="地区或单位。")
@click.option("--campaign", help="活动，如 质量月、QC小组活动。")
@click.option("--json", "as_json", is_flag=True, help="输出与 /api/themes 相同的 JSON。")
@backend_options
def themes_command(index_dir: Path, year, region, campaign, as_json: bool, **backend) -> None:
    """按活动和年份列出文档陈述的活动主题。"""
    items = browse.themes(_rows(index_dir, backend), year, region, campaign)
    if as_json:
        page = browse.paged(items, None, None, None)
        click.echo(json.dumps({"themes": page.pop("items"), **page}, ensure_ascii=False))
        return
    if not items:
        click.echo("没有找到陈述主题的文档")
    heading = first = object()  # the campaign whose heading was printed last
    for item in items:
        if item["campaign"] != heading:
            click.echo(("" if heading is first else "\n") + f"【{browse.campaign_label(item['campaign'])}】")
            heading = item["campaign"]
        click.echo(f"{item['year'] or '—'}\t{item['region'] or '—'}\t{item['theme']}\t{item['document']['path']}")


@main.command("serve")
@INDEX_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="端口。")
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="工作进程数（默认每个 CPU 核一个）。")
@backend_options
def serve_command(index_dir: Path, host: str, port: int, workers: int | None, **backend) -> None:
    """以生产级 WSGI 服务器（gunicorn）提供网页和 API；索引重建后自动生效。"""
    where = index_target(index_dir, **backend)
    store = make_store(where)
    try:
        store.doc_count()
    finally:
        store.close()
    from search_app.serve import serve

    serve(where, host, port, workers)


@main.group("cluster")
def cluster_group() -> None:
    """在本机回环地址上运行一个 Typesense 集群（试用与测试）。"""


DATA_OPTION = click.option(
    "--data", "data_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="集群的数据目录（每个节点一个子目录，另有 cluster.json）。",
)


@cluster_group.command("start")
@DATA_OPTION
@click.option("--nodes", default=3, show_default=True, type=click.IntRange(1, 9), help="节点数。")
@click.option("--api-key", envvar="QSEARCH_TYPESENSE_API_KEY", default=None, help="API 密钥（默认随机生成并保存在数据目录）。")
def cluster_start(data_dir: Path, nodes: int, api_key: str | None) -> None:
    """启动集群，等到每个节点健康、选出领导者后返回。"""
    click.echo(typesense_cluster.start(data_dir, nodes=nodes, api_key=api_key).describe())


@cluster_group.command("stop")
@DATA_OPTION
def cluster_stop(data_dir: Path) -> None:
    """停止数据目录里记录的集群。"""
    click.echo(typesense_cluster.stop(data_dir).message)


@cluster_group.command("status")
@DATA_OPTION
def cluster_status(data_dir: Path) -> None:
    """每个节点：进程、健康、角色（领导者/跟随者）。"""
    click.echo(typesense_cluster.format_status(typesense_cluster.status(data_dir)))
