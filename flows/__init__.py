"""Prefect flows: thin orchestration over cleaning/, crawlers/ and db/."""

from jobs.offline import keep_prefect_local

keep_prefect_local()
