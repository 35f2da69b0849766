"""prefect.yaml's build and pull steps: where the flows' code is, recorded at deploy time, overridable per worker.

`prefect deploy --all`, run from the checkout, records the checkout's path (`record_checkout`, a build step). When a
worker starts a flow run, `enter_checkout` (the pull step) changes into the first of:

1. `ZHCORPUS_HOME` in the worker's environment (a worker whose machine has the checkout elsewhere; also settable
   per deployment as a job variable, `env: {ZHCORPUS_HOME: ...}`);
2. the Prefect Variable `zhcorpus_home` (`prefect variable set zhcorpus_home /path/to/zhcorpus`: moves every
   worker at once, no redeploy);
3. the path recorded at deploy time.

A directory that is not a zhcorpus checkout fails the run at once with a message saying what to set.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect.variables import Variable

HOME_ENV = "ZHCORPUS_HOME"
HOME_VARIABLE = "zhcorpus_home"
# A file every checkout has: the flows the deployments' entrypoints name.
MARKER = Path("flows") / "nightly.py"


def is_checkout(directory: Path) -> bool:
    """Return True when `directory` holds a zhcorpus checkout (its flows)."""
    return (directory / MARKER).is_file()


def record_checkout() -> dict[str, str]:
    """Build step: return {"directory": the checkout `prefect deploy` runs in}; raise when it is not one."""
    here = Path.cwd().resolve()
    if not is_checkout(here):
        raise RuntimeError(f"run `prefect deploy` from the zhcorpus checkout: {here} has no {MARKER}")
    return {"directory": str(here)}


def checkout_directory(recorded: str = "") -> tuple[Path, str]:
    """Return (the directory flows run from, where it came from): worker environment, Prefect Variable, deploy time."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser(), f"${HOME_ENV}"
    variable = Variable.get(HOME_VARIABLE, default=None)
    if variable:
        return Path(str(variable)).expanduser(), f"Prefect Variable {HOME_VARIABLE}"
    if recorded and "{{" not in recorded:
        return Path(recorded), "the path recorded by `prefect deploy`"
    raise RuntimeError(
        f"no zhcorpus checkout known for this deployment: set {HOME_ENV} in the worker's environment or the Prefect "
        f"Variable {HOME_VARIABLE} (`prefect variable set {HOME_VARIABLE} /path/to/zhcorpus`), or redeploy with "
        "`prefect deploy --all` from the checkout"
    )


def enter_checkout(recorded: str = "") -> dict[str, str]:
    """Pull step: change into the checkout (see the module docstring); return {"directory": it}."""
    directory, source = checkout_directory(recorded)
    if not is_checkout(directory):
        raise RuntimeError(
            f"{directory} (from {source}) is not a zhcorpus checkout (no {MARKER}): set {HOME_ENV} in the worker's "
            f"environment or the Prefect Variable {HOME_VARIABLE} to the checkout on this machine, or redeploy with "
            "`prefect deploy --all` from it"
        )
    os.chdir(directory)
    return {"directory": str(directory.resolve())}
