"""`make test`: the whole suite, on SQLite always and on PostgreSQL when a server is reachable.

Extra arguments go to pytest. Exits with pytest's status.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    os.chdir(ROOT)
    for name in ("TWILIO_REGION", "TWILIO_EDGE", "TWILIO_ACCOUNT_SID", "DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)  # tests build their own settings; these would only confuse them
    return int(pytest.main(["-p", "no:cacheprovider", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
