"""A real `prefect server` on 127.0.0.1, deployed with a plain `prefect deploy --all`, two plain process workers.

The nightly of the bundled sites runs from its deployment, its batches spread over both workers of the pool; every
site is crawled exactly once and the corpus is the same as the one a single flow run makes of the same sites.
"""

from __future__ import annotations

import sqlite3
import time
from urllib.parse import urlsplit

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.concurrency.sync import concurrency
from prefect.settings import PREFECT_API_URL, temporary_settings

from crawlers.sites import load_registry
from fixtures.server import FixtureServer
from flows.slots import ensure_limits, host_limit_names
from zhcorpus.prefect_local import PROJECT_ROOT, free_port, up

RUN_TIMEOUT_S = 300
EXPECTED_DEPLOYMENTS = {
    "nightly/nightly",
    "reclean/reclean",
    "crawl/manual-crawl",
    "backfill/backfill",
    "crawl-batch/crawl-batch",
}
# Workers poll every second (the default is 10 s: it only slows the test down); each runs two flow runs at a time,
# so the worker that runs the nightly has room for one of its three batches and the other worker for two.
WORKER_ENV = {"PREFECT_WORKER_QUERY_SECONDS": "1"}
WORKER_ARGS = ["--limit", "2"]


def snapshot(corpus_db) -> dict[str, tuple]:
    conn = sqlite3.connect(corpus_db)
    rows = conn.execute("SELECT id, content_hash, text, title, site_id, is_canonical FROM documents").fetchall()
    conn.close()
    return {row[0]: row[1:] for row in rows}


def clusters(corpus_db) -> set[frozenset[str]]:
    """Return the clusters as sets of document ids (a cluster's id is its first arrival's: it follows crawl timing)."""
    conn = sqlite3.connect(corpus_db)
    rows = conn.execute("SELECT cluster_id, group_concat(id) FROM documents GROUP BY cluster_id").fetchall()
    conn.close()
    return {frozenset(ids.split(",")) for _, ids in rows}


def wait_for_final_state(client, flow_run_id, timeout_s: float = RUN_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.read_flow_run(flow_run_id)
        if run.state and run.state.is_final():
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} not finished after {timeout_s} s: {run.state}")


def run_deployment_and_wait(client, name: str, parameters: dict):
    deployment = client.read_deployment_by_name(name)
    # What the UI's "Run" button does: create a flow run from the deployment with parameters.
    flow_run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
    return wait_for_final_state(client, flow_run.id)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    stack = up(
        tmp_path_factory.mktemp("prefect-home"),
        data_dir,
        free_port(),
        workers=2,
        worker_env=WORKER_ENV,
        worker_args=WORKER_ARGS,
    )
    try:
        with temporary_settings({PREFECT_API_URL: stack.api_url}), FixtureServer() as fixtures:
            stack.fixtures = fixtures
            yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def nightlies(stack, tmp_path_factory):
    """The nightly of every enabled bundled site from its deployment: batches on the pool, then in one flow run."""
    sites = [s.id for s in load_registry().enabled() if s.bundled]
    log = stack.fixtures.request_log
    with get_client(sync_client=True) as client:
        pool_run = run_deployment_and_wait(
            client,
            "nightly/nightly",
            {"sites": sites, "crawl_options": {"batch_size": 2}, "fixture_proxy": stack.fixtures.proxy_url},
        )
        pool_log = list(log)
        conn = sqlite3.connect(stack.data_dir / "raw" / "runs.db")
        ((run_id,),) = conn.execute("SELECT run_id FROM crawl_runs").fetchall()  # the pool run's crawl run
        conn.close()
        one_dir = tmp_path_factory.mktemp("one-flow-run")
        one_run = run_deployment_and_wait(
            client,
            "nightly/nightly",
            {
                "sites": sites,
                "crawl_options": {"dispatch": "local"},
                "data_dir": str(one_dir),
                "fixture_proxy": stack.fixtures.proxy_url,
            },
        )
        batch_runs = [r for r in client.read_flow_runs() if r.name.startswith(f"{run_id}-batch-")]
    return {
        "run_id": run_id,
        "sites": sites,
        "pool": pool_run,
        "one": one_run,
        "pool_log": pool_log,
        "one_dir": one_dir,
        "batch_runs": batch_runs,
    }


def test_every_deployment_is_registered_with_the_checkout_it_was_deployed_from(stack):
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments()
        names = {f"{client.read_flow(d.flow_id).name}/{d.name}" for d in deployments}
    assert EXPECTED_DEPLOYMENTS <= names
    for deployment in deployments:
        assert deployment.pull_steps == [{"flows.deploy_steps.enter_checkout": {"recorded": str(PROJECT_ROOT)}}], (
            "plain `prefect deploy --all` records the checkout's path"
        )
        assert deployment.work_pool_name == "zhcorpus-process"


def test_nightly_carries_cron_timezone_and_concurrency_limit(stack):
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("nightly/nightly")
    schedule = nightly.schedules[0].schedule
    assert schedule.cron == "0 2 * * *"
    assert schedule.timezone == "Asia/Shanghai"
    assert "02:00 Asia/Shanghai" in nightly.description, "the list view shows the description, not the timezone"
    assert nightly.global_concurrency_limit is not None and nightly.global_concurrency_limit.limit == 1


def test_site_ids_are_an_enum_of_the_registry_in_the_form(stack):
    with get_client(sync_client=True) as client:
        schema = client.read_deployment_by_name("backfill/backfill").parameter_openapi_schema
    sites = schema["properties"]["sites"]
    assert sites["items"]["enum"] == [s.id for s in load_registry().sites]
    assert sites["minItems"] == 1 and "sites" in schema["required"]


def test_two_workers_split_the_nightly_and_crawl_every_site_exactly_once(stack, nightlies):
    run = nightlies["pool"]
    assert run.state.is_completed(), f"{run.state.type}: {run.state.message}"
    batch_runs = nightlies["batch_runs"]
    # Two sites a batch (no two bundled sites share a host): three batch flow runs, all completed.
    assert len(batch_runs) == -(-len(nightlies["sites"]) // 2) and all(r.state.is_completed() for r in batch_runs)
    # Every site: one site-run row in its file, its start page requested once.
    shards = stack.data_dir / "raw" / "sites"
    registry = load_registry()
    for site_id in nightlies["sites"]:
        conn = sqlite3.connect(shards / f"{site_id}.db")
        rows = conn.execute("SELECT run_id FROM site_runs").fetchall()
        conn.close()
        assert rows == [(nightlies["run_id"],)], site_id
        start = urlsplit(registry.get(site_id).start_urls[0])
        path = start.path + (f"?{start.query}" if start.query else "")
        requested = [r for r in nightlies["pool_log"] if r[0] == start.hostname and r[1] == path]
        assert len(requested) == 1, (site_id, requested)
    # Both workers ran batches.
    by_worker = {}
    for name in ("worker-1", "worker-2"):
        text = (stack.log_dir / f"{name}.log").read_text(errors="replace")
        by_worker[name] = {r.id for r in batch_runs if f"submitting flow run '{r.id}'" in text}
    assert all(by_worker.values()), by_worker
    assert set.union(*by_worker.values()) == {r.id for r in batch_runs}


def test_the_corpus_equals_the_one_of_a_single_flow_run(stack, nightlies):
    assert nightlies["one"].state.is_completed(), nightlies["one"].state.message
    pool = snapshot(stack.data_dir / "corpus.db")
    one = snapshot(nightlies["one_dir"] / "corpus.db")
    assert len(pool) >= 40 and pool == one
    assert clusters(stack.data_dir / "corpus.db") == clusters(nightlies["one_dir"] / "corpus.db")


def test_the_nightly_artifact_keeps_this_run_totals_and_corpus_apart(stack, nightlies):
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[nightlies["pool"].id]))
        )
    markdown = next(a for a in artifacts if a.key == "zhcorpus-nightly").data
    assert "## Per site, this run" in markdown and "**Totals, this run**" in markdown
    assert "## Corpus after this run, per site" in markdown


def test_a_host_held_by_another_run_is_not_crawled_until_it_is_free(stack, nightlies):
    mzb = load_registry().get("mzb")
    names = host_limit_names([mzb])
    ensure_limits(names)
    hosts = {urlsplit(u).hostname for u in mzb.start_urls}
    log = stack.fixtures.request_log
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("crawl/manual-crawl")
        with concurrency(names, occupy=1, timeout_seconds=30, strict=True):
            before = len(log)
            flow_run = client.create_flow_run_from_deployment(
                deployment.id, parameters={"sites": ["mzb"], "fixture_proxy": stack.fixtures.proxy_url}
            )
            time.sleep(8)  # long enough for a worker to pick the runs up and the batch to ask for its slot
            assert not [r for r in log[before:] if r[0] in hosts], "mzb was crawled while another run held its host"
            released = len(log)
        finished = wait_for_final_state(client, flow_run.id)
    assert finished.state.is_completed(), finished.state.message
    assert [r for r in log[released:] if r[0] in hosts], "once free, the host is crawled"


def test_reclean_run_by_a_worker_keeps_the_corpus_and_publishes_an_artifact(stack, nightlies):
    before = snapshot(stack.data_dir / "corpus.db")
    with get_client(sync_client=True) as client:
        finished = run_deployment_and_wait(client, "reclean/reclean", {"reprocess": True})
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[finished.id]))
        )
    assert finished.state.is_completed(), f"{finished.state.type}: {finished.state.message}"
    assert snapshot(stack.data_dir / "corpus.db") == before
    markdown = next(a for a in artifacts if a.key == "zhcorpus-reclean").data
    assert "cleaned" in markdown and str(len(before)) in markdown


@pytest.mark.parametrize(
    ("deployment", "parameters", "message"),
    [
        ("reclean/reclean", {"options": {"batch_size": 0}}, "batch_size|greater than or equal"),
        ("reclean/reclean", {"since": "yesterday"}, "yesterday|does not match"),
        ("backfill/backfill", {"sites": []}, "sites|should be non-empty|too short"),
        ("crawl/manual-crawl", {"sites": []}, "sites|should be non-empty|too short"),
        ("crawl/manual-crawl", {"sites": ["no-such-site"]}, "no-such-site|is not one of"),
        ("nightly/nightly", {"crawl_options": {"timeout_minutes": 0}}, "timeout_minutes|exclusiveMinimum|less than"),
    ],
)
def test_bad_parameters_are_rejected_by_the_server_before_any_run(stack, deployment, parameters, message):
    with get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name(deployment).id
        with pytest.raises(Exception, match=message):
            client.create_flow_run_from_deployment(deployment_id, parameters=parameters)


def test_a_checkout_that_is_not_there_fails_the_run_saying_what_to_set(stack, nightlies, tmp_path):
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.actions import VariableCreate

        client.create_variable(VariableCreate(name="zhcorpus_home", value=str(tmp_path)))
        try:
            finished = run_deployment_and_wait(client, "reclean/reclean", {})
        finally:
            client.delete_variable_by_name("zhcorpus_home")
    assert not finished.state.is_completed()
    logs = "\n".join((stack.log_dir / f"{name}.log").read_text(errors="replace") for name in ("worker-1", "worker-2"))
    assert f"{tmp_path} (from Prefect Variable zhcorpus_home) is not a zhcorpus checkout" in logs
    assert "set ZHCORPUS_HOME in the worker's environment or the Prefect Variable zhcorpus_home" in logs
