"""Test-wide setup: Prefect state in a temp dir (set before prefect is imported), offline switches, golden flag."""

import atexit
import os
import shutil
import tempfile

import pytest

# Prefect reads its settings when first imported: point PREFECT_HOME (and so its database, local result
# storage and caches) at a throwaway directory so tests never read or write a user's ~/.prefect.
_PREFECT_HOME = tempfile.mkdtemp(prefix="zhcorpus-test-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = os.path.join(_PREFECT_HOME, "storage")
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("ZHCORPUS_DATA", None)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden expected-output files from the current code instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be regenerated (pytest --update-golden)."""
    return request.config.getoption("--update-golden")
