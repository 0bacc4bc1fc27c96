"""The image's entrypoint without Docker: the Dockerfile's build stage replayed, its result run as the image runs it.

The build stage's WORKDIR, COPY and RUN instructions are carried out in a temporary directory that stands
for the image's ``/`` (``/opt/venv`` is ``<root>/opt/venv``), on the files ``.dockerignore`` lets into
the build context: a fresh venv, ``requirements.lock`` installed by hash with ``--no-deps``, the
project's wheel built and installed with ``--no-deps``. A RUN command the replay does not know fails the
test, so the Dockerfile and this test cannot drift apart. The result is then run the way the final stage
sets it up: its ENV, as the numeric user of its USER line (when the tests run as root, as CI does), with
HOME the user's non-existent home and a working directory it cannot write to. Over stdio an MCP client
lists the tools and calls one on demo data; over HTTP the HEALTHCHECK command follows the server up and
down.

The fresh install reaches the package index, as the image build does. The healthcheck module's own
answers are tested in-process at the end.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

import octolens_mcp
from octolens_mcp import healthcheck
from tests.conftest import REPO
from tests.test_packaging import Instruction, dockerignored, instructions, stages

pytestmark = pytest.mark.anyio

IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""PATH in the python base image, which the final stage's ENV extends."""
BUILD_TIMEOUT = 240


# --- the replayed build --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """The replayed build: where its files are, and how the final stage runs them."""

    root: Path
    """Stands for the image's ``/``."""
    commands: tuple[tuple[str, ...], ...]
    """The build stage's commands as run (image paths moved under ``root``)."""
    env: dict[str, str]
    """The final stage's environment (likewise)."""
    uid: int
    gid: int
    entrypoint: tuple[str, ...]
    healthcheck: tuple[str, ...]
    workdir: Path
    """A directory the server cannot write to, standing for the container's working directory."""

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def as_user(self, command: list[str]) -> list[str]:
        """``command`` as the image's USER: dropped to it by setpriv when the tests run as root."""
        if os.geteuid() != 0:
            return command
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) runs the server as the image's user"
        return [setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "--", *command]

    def run(self, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.as_user(command),
            env={**self.env, **env},
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def base_python() -> str:
    """What stands for the image's ``python``: the interpreter under this venv, a 3.11 like the image's."""
    assert sys.version_info[:2] == (3, 11), "the image runs Python 3.11: run this test on 3.11"
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())


def moved(root: Path, word: str) -> str:
    """An image path (``/opt/venv/bin/pip``) as the path under ``root``; any other word as it is."""
    return str(root / word.lstrip("/")) if word.startswith("/") else word


def replay_build(root: Path) -> tuple[tuple[str, ...], ...]:
    """Carry out the build stage's WORKDIR, ENV, COPY and RUN in ``root``; return the commands run."""
    workdir = root
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OCTOLENS_", "PYTHON", "VIRTUAL_ENV"))}
    # The build stage runs as root, in a home of its own (/root): what the tools it runs keep there (a
    # Rust toolchain's settings, when pip builds a package from source) stays in the replay's tree.
    env["HOME"] = str(root / "root")
    (root / "root").mkdir(exist_ok=True)
    ran: list[tuple[str, ...]] = []
    for instruction in stages()[0][1:]:
        if instruction.keyword == "WORKDIR":
            workdir = root / instruction.args.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "ENV":
            env.update(instruction.pairs())
            # The image build starts without a pip cache; here one only saves downloads: hashes check each file.
            env.pop("PIP_NO_CACHE_DIR", None)
        elif instruction.keyword == "COPY":
            copy_from_context(instruction, root, workdir)
        elif instruction.keyword == "RUN":
            for words in instruction.commands():
                command = [moved(root, word) for word in words]
                command = [_one_match(word) if "*" in word else word for word in command]
                if command[0] == "python":
                    command[0] = base_python()
                known = command[0] == base_python() or command[0].startswith(str(root / "opt/venv/bin") + "/")
                assert known, f"the replay runs python and the venv's tools only, not {words}"
                done = subprocess.run(
                    command, cwd=workdir, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
                )
                assert done.returncode == 0, f"{words} failed:\n{done.stdout}\n{done.stderr}"
                ran.append(tuple(command))
        else:
            raise AssertionError(f"the replay does not know the build stage's {instruction.keyword}")
    return tuple(ran)


def _one_match(pattern: str) -> str:
    (match,) = glob.glob(pattern)
    return match


def copy_from_context(instruction: Instruction, root: Path, workdir: Path) -> None:
    """COPY from the build context, which holds what .dockerignore lets in."""
    *sources, destination = instruction.args.split()
    target = root / destination.lstrip("/") if destination.startswith("/") else workdir / destination
    into = destination.endswith("/") or len(sources) > 1
    for source in sources:
        assert not source.startswith("--"), f"the replay does not know COPY {source}"
        origin = REPO / source
        if origin.is_dir():
            # A directory's contents go into the destination directory.
            for path in sorted(origin.rglob("*")):
                if path.is_file() and not dockerignored(path.relative_to(REPO).as_posix()):
                    (target / path.relative_to(origin)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target / path.relative_to(origin))
        else:
            assert not dockerignored(source), f"{source} is left out of the build context"
            (target if into else target.parent).mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / origin.name if into else target)


def final_stage(root: Path) -> tuple[dict[str, str], int, int, tuple[str, ...], tuple[str, ...]]:
    """The final stage's environment, user, entrypoint and health check, for the files under ``root``."""
    final = stages()[-1]
    env = {"PATH": IMAGE_PATH, "LANG": "C.UTF-8"}
    for instruction in instructions(final, "ENV"):
        for key, value in instruction.pairs().items():
            env[key] = value.replace("$PATH", env["PATH"]).replace("/opt/venv", str(root / "opt/venv"))
    (user,) = instructions(final, "USER")
    uid, _, gid = user.args.partition(":")
    (useradd,) = [cmd for run in instructions(final, "RUN") for cmd in run.commands() if cmd[0] == "useradd"]
    env["HOME"] = useradd[useradd.index("--home-dir") + 1]  # Docker sets HOME from the user's passwd entry
    (entrypoint,) = instructions(final, "ENTRYPOINT")
    program, *arguments = json.loads(entrypoint.args)
    resolved = shutil.which(program, path=env["PATH"])
    assert resolved, f"{program} is on the image's PATH"
    (check,) = instructions(final, "HEALTHCHECK")
    probe = json.loads(check.args.split("CMD", 1)[1])
    return env, int(uid), int(gid), (resolved, *arguments), tuple(moved(root, word) for word in probe)


def readable_by_all(root: Path) -> None:
    """What the image's root-owned files are to its user: readable, and executable where they were."""
    for directory, _dirs, files in os.walk(root):
        Path(directory).chmod(0o755)
        for name in files:
            path = Path(directory, name)
            if not path.is_symlink():
                mode = path.stat().st_mode
                path.chmod(mode | 0o444 | (0o111 if mode & 0o100 else 0))


@pytest.fixture(scope="module")
def image() -> Iterator[Image]:
    root = Path(tempfile.mkdtemp(prefix="octolens-mcp-image-"))
    workdir = root / "workdir"
    try:
        commands = replay_build(root)
        readable_by_all(root)
        workdir.mkdir(mode=0o555)
        workdir.chmod(0o555)
        env, uid, gid, entrypoint, probe = final_stage(root)
        yield Image(root, commands, env, uid, gid, entrypoint, probe, workdir)
    finally:
        if workdir.exists():
            workdir.chmod(0o755)
        shutil.rmtree(root)


# --- the image, run ------------------------------------------------------------------------------------


def test_the_build_installs_the_lock_by_hash_then_the_wheel_without_dependencies(image: Image) -> None:
    pip = str(image.path("/opt/venv/bin/pip"))
    installs = [c for c in image.commands if c[:2] == (pip, "install")]
    assert len(installs) == 2, installs
    lock, wheel = installs
    assert set(lock[2:]) == {"--require-hashes", "--no-deps", "-r", "requirements.lock"}
    assert lock[lock.index("-r") + 1] == "requirements.lock"
    assert wheel[2] == "--no-deps" and len(wheel) == 4 and wheel[3].endswith("-py3-none-any.whl")
    # --no-deps everywhere: only the lock decides what is installed, and it must be complete.
    complete = subprocess.run([pip, "check"], capture_output=True, text=True, timeout=60, check=False)
    assert complete.returncode == 0, complete.stdout + complete.stderr
    with zipfile.ZipFile(wheel[3]) as built:
        names = set(built.namelist())
        dist_info = f"octolens_mcp-{octolens_mcp.__version__}.dist-info"
        metadata = built.read(f"{dist_info}/METADATA").decode()
    assert {"octolens_mcp/py.typed", "octolens_sandbox/__init__.py", f"{dist_info}/licenses/LICENSE"} <= names
    assert "License-Expression: MIT" in metadata and "Classifier: Typing :: Typed" in metadata
    assert "Project-URL: Repository, https://github.com/octolens-mcp/octolens-mcp" in metadata


def test_the_user_runs_the_installed_wheel_and_cannot_write(image: Image) -> None:
    assert not Path(image.env["HOME"]).exists(), "the user's home does not exist"
    version = image.run([*image.entrypoint, "--version"])
    assert version.returncode == 0 and version.stdout.strip() == f"octolens-mcp {octolens_mcp.__version__}"
    where = image.run(
        [str(image.path("/opt/venv/bin/python")), "-c", "import octolens_mcp, os; print(octolens_mcp.__file__)"]
    )
    assert where.stdout.strip().startswith(str(image.path("/opt/venv/lib"))), where
    if os.geteuid() == 0:
        identity = image.run(["id", "-u"])
        assert identity.stdout.strip() == str(image.uid)
    probe = image.run(["touch", str(image.workdir / "written")])
    assert probe.returncode != 0


async def test_demo_over_stdio_as_the_image_user(image: Image) -> None:
    program, *arguments = image.entrypoint
    params = StdioServerParameters(command=program, args=[*arguments, "--demo"], env=image.env, cwd=str(image.workdir))
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        assert "list_keywords" in tools
        result = await client.call_tool("list_keywords", {})
        assert not result.is_error, result.content
        assert result.content and result.content[0].type == "text" and result.content[0].text
        assert result.structured_content is not None and result.structured_content["data"]
    assert not list(image.workdir.iterdir())


def test_healthcheck_passes_in_stdio_mode(image: Image) -> None:
    done = image.run(list(image.healthcheck))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_healthcheck_follows_the_http_server_up_and_down(image: Image) -> None:
    # The image listens on 0.0.0.0; the test keeps the server on loopback, which the probe asks either way.
    env = {"OCTOLENS_TRANSPORT": "http", "OCTOLENS_HOST": "127.0.0.1", "OCTOLENS_PORT": str(free_port())}
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            image.as_user(list(image.entrypoint)),
            env={**image.env, **env},
            cwd=image.workdir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 30
            while (done := image.run(list(image.healthcheck), **env)).returncode != 0:
                log.seek(0)
                assert server.poll() is None, f"the HTTP server stopped:\n{log.read()}"
                assert time.monotonic() < deadline, f"never healthy: {done.stderr}"
                time.sleep(0.2)
            assert (done.stdout, done.stderr) == ("", "")
        finally:
            server.terminate()
            server.wait(timeout=40)
    down = image.run(list(image.healthcheck), **env)
    assert down.returncode == 1 and down.stdout == ""
    assert down.stderr.startswith("octolens-mcp healthcheck: ") and down.stderr.count("\n") == 1


# --- the healthcheck's answers, in-process -------------------------------------------------------------


class _Health(ThreadingHTTPServer):
    status = 200


class _Handler(BaseHTTPRequestHandler):
    server: _Health

    def do_GET(self) -> None:
        status = self.server.status if self.path == healthcheck.PATH else 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if status == 200 else b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads stderr."""


@pytest.fixture
def health() -> Iterator[_Health]:
    server = _Health(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _http(port: int, **extra: str) -> dict[str, str]:
    return {"OCTOLENS_TRANSPORT": "http", "OCTOLENS_PORT": str(port), **extra}


@pytest.mark.parametrize("env", [{}, {"OCTOLENS_TRANSPORT": "stdio"}, {"OCTOLENS_TRANSPORT": " STDIO "}])
def test_healthcheck_has_nothing_to_probe_over_stdio(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main({**env, "OCTOLENS_PORT": "not even a port"}) == 0
    assert capsys.readouterr() == ("", "")


def test_healthcheck_is_healthy_on_200(health: _Health, capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(_http(health.server_address[1], OCTOLENS_TRANSPORT=" HTTP ")) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("status", [204, 401, 404, 503])
def test_healthcheck_is_unhealthy_on_anything_but_200(
    health: _Health, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    health.status = status
    assert healthcheck.main(_http(health.server_address[1])) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"octolens-mcp healthcheck: {healthcheck_url(health)} answered {status}\n"


def healthcheck_url(health: _Health) -> str:
    return f"http://127.0.0.1:{health.server_address[1]}/healthz"


def test_healthcheck_is_unhealthy_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(_http(free_port())) == 1
    out, err = capsys.readouterr()
    assert out == "" and "did not answer" in err and err.count("\n") == 1


def test_healthcheck_gives_up_after_its_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections complete in the backlog; nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/healthz"
        started = time.monotonic()
        with pytest.raises(healthcheck.Unhealthy, match="did not answer"):
            healthcheck.probe(url, timeout=0.5)
        assert time.monotonic() - started < 3
    assert healthcheck.TIMEOUT == 3.0


def test_healthcheck_ignores_proxies(
    health: _Health, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert healthcheck.main(_http(health.server_address[1])) == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("port", ["http", "0", "65536", "-1", "٣", "8000.5"])
def test_healthcheck_refuses_a_port_that_is_none(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert healthcheck.main(_http(8000, OCTOLENS_PORT=port)) == 1
    assert capsys.readouterr().err == f"octolens-mcp healthcheck: OCTOLENS_PORT is not a TCP port: {port!r}\n"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        (None, "http://127.0.0.1:8000/healthz"),
        ("0.0.0.0", "http://127.0.0.1:8000/healthz"),
        ("::", "http://127.0.0.1:8000/healthz"),
        ("127.0.0.1", "http://127.0.0.1:8000/healthz"),
        ("::1", "http://[::1]:8000/healthz"),
        ("localhost", "http://localhost:8000/healthz"),
    ],
)
def test_healthcheck_asks_where_the_server_listens(host: str | None, url: str) -> None:
    env = {"OCTOLENS_TRANSPORT": "http"} | ({} if host is None else {"OCTOLENS_HOST": host})
    assert healthcheck.probe_url(env) == url
    assert healthcheck.probe_url({**env, "OCTOLENS_PORT": "9001"}) == url.replace(":8000", ":9001")


@pytest.mark.parametrize(
    ("cmdline", "args"),
    [
        (b"/opt/venv/bin/python\0/opt/venv/bin/octolens-mcp\0--transport\0http\0", ["--transport", "http"]),
        (b"octolens-mcp\0--port=9001\0", ["--port=9001"]),
        (b"/usr/bin/python3\0-m\0octolens_mcp\0--transport=http\0", ["--transport=http"]),
        (b"/sbin/init\0splash\0", None),
        (b"/bin/sh\0-c\0octolens-mcp --transport http\0", None),
        (b"", None),
    ],
)
def test_the_healthcheck_finds_the_servers_own_arguments(cmdline: bytes, args: list[str] | None) -> None:
    assert healthcheck.server_arguments(cmdline) == args


def test_the_servers_flags_override_the_environment_as_in_the_server() -> None:
    # `docker run IMAGE --transport http --port 9001`: the image's environment says nothing of HTTP.
    image_env = {"OCTOLENS_HOST": "0.0.0.0"}
    assert (
        healthcheck.probe_url(image_env, ["--transport", "http", "--port", "9001"]) == "http://127.0.0.1:9001/healthz"
    )
    assert healthcheck.probe_url(image_env, ["--transport=http", "--host=::1"]) == "http://[::1]:8000/healthz"
    assert healthcheck.probe_url({"OCTOLENS_TRANSPORT": "http"}, ["--transport", "stdio"]) is None
    assert healthcheck.probe_url(image_env, ["--demo", "--transport"]) is None  # a dangling flag sets nothing


def test_the_healthcheck_probes_a_server_started_by_flag_alone(
    health: _Health, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--transport", "http", "--port", str(health.server_address[1])]
    assert healthcheck.main({}, argv) == 0
    health.status = 503
    assert healthcheck.main({}, argv) == 1
    assert capsys.readouterr().err == f"octolens-mcp healthcheck: {healthcheck_url(health)} answered 503\n"
