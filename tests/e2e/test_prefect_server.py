"""A real `prefect server` on 127.0.0.1: deploy everything from prefect.yaml, run reclean through a worker."""

import sqlite3
import time

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.settings import PREFECT_API_URL, temporary_settings

from crawlers.run import crawl_sites
from crawlers.sites import load_registry
from db.ids import new_run_id
from jobs.clean import clean_pages, plan_clean
from jobs.config import DataPaths
from zhcorpus.prefect_local import free_port, up

RUN_TIMEOUT_S = 300
EXPECTED_DEPLOYMENTS = {"nightly/nightly", "reclean/reclean", "crawl/manual-crawl", "backfill/backfill"}


def document_count(data_dir) -> int:
    conn = sqlite3.connect(data_dir / "corpus.db")
    try:
        return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    paths = DataPaths(data_dir)
    registry = load_registry()
    crawl_sites([s.id for s in registry.enabled()], paths.raw_db, new_run_id())
    clean_pages(paths, plan_clean(paths, registry).page_ids, registry)
    stack = up(tmp_path_factory.mktemp("prefect-home"), data_dir, free_port())
    try:
        with temporary_settings({PREFECT_API_URL: stack.api_url}):
            yield stack
    finally:
        stack.stop()


def wait_for_final_state(client, flow_run_id):
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        run = client.read_flow_run(flow_run_id)
        if run.state and run.state.is_final():
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {flow_run_id} not finished after {RUN_TIMEOUT_S} s: {run.state}")


def test_every_deployment_is_registered(stack):
    with get_client(sync_client=True) as client:
        names = {f"{client.read_flow(d.flow_id).name}/{d.name}" for d in client.read_deployments()}
    assert EXPECTED_DEPLOYMENTS <= names


def test_nightly_carries_cron_timezone_and_concurrency_limit(stack):
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name("nightly/nightly")
    schedule = nightly.schedules[0].schedule
    assert schedule.cron == "0 2 * * *"
    assert schedule.timezone == "Asia/Shanghai"
    assert nightly.global_concurrency_limit is not None and nightly.global_concurrency_limit.limit == 1
    assert nightly.work_pool_name == "zhcorpus-process"


def test_reclean_run_by_a_worker_keeps_the_corpus_and_publishes_an_artifact(stack):
    before = document_count(stack.data_dir)
    assert before >= 40
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("reclean/reclean")
        # What the UI's "Run" button does: create a flow run from the deployment with parameters.
        flow_run = client.create_flow_run_from_deployment(deployment.id, parameters={"reprocess": True})
        finished = wait_for_final_state(client, flow_run.id)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id]))
        )
    assert finished.state.is_completed(), f"{finished.state.type}: {finished.state.message}"
    assert document_count(stack.data_dir) == before
    keys = {a.key for a in artifacts}
    assert "zhcorpus-reclean" in keys
    markdown = next(a for a in artifacts if a.key == "zhcorpus-reclean").data
    assert "cleaned" in markdown and str(before) in markdown


def test_bad_parameters_are_rejected_before_any_work(stack):
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("reclean/reclean")
        with pytest.raises(Exception, match="batch_size|greater than or equal"):
            client.create_flow_run_from_deployment(deployment.id, parameters={"options": {"batch_size": 0}})
