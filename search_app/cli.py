"""The `qsearch` command: one console script with subcommands."""
from __future__ import annotations

import click

from indexer.cli import index_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """质量档案检索：建立索引、检索、提供网页服务。"""


main.add_command(index_command)
