from __future__ import annotations

import pytest

from tests.e2e.cluster import Client, Cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    yield cluster
    cluster.stop()


@pytest.fixture
def hooky(cluster) -> Client:
    cluster.replace_dead_workers()
    return Client(cluster.api_url)
