"""Prefect flows: thin orchestration over cleaning/, crawlers/ and db/."""

from zhcorpus.offline import keep_prefect_local

keep_prefect_local()
