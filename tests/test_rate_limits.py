"""Rate limits per API key: token bucket in Redis, fixed window without it; 429 with Retry-After, in French."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.ratelimit import FixedWindowLimiter, RateLimiter
from campaigns.runtime.root import Runtime
from tests.conftest import REDIS_URL, new_partner
from tests.faults.services import free_port


def _client(runtime: Runtime, **limits: object) -> TestClient:
    settings = runtime.settings.model_copy(update=limits)
    return TestClient(create_app(Runtime(settings, clock=runtime.clock)))


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter("chaine:ratelimit:*"):
        server.delete(key)
    yield REDIS_URL


def test_token_bucket_in_redis_per_key(pg_runtime: Runtime, redis_url: str) -> None:
    _, first = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    _, second = new_partner(pg_runtime, "Habitat 85", "bailleur_social")
    # 6 a minute, one token every 10 s: the burst and the refusal do not depend on how fast a loaded machine runs.
    with _client(pg_runtime, rate_limit_per_minute=6, rate_limit_burst=5, rate_limit_redis_url=redis_url) as client:
        codes = [client.get("/api/v1/taches", headers=first).status_code for _ in range(5)]
        refused = client.get("/api/v1/taches", headers=first)
        assert codes == [200] * 5
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "10"
        assert refused.json()["detail"] == "Trop de requêtes avec cette clé d'API : réessayez dans 10 s."
        assert client.get("/api/v1/taches", headers=second).status_code == 200  # another key, its own bucket


def test_the_redis_bucket_refills_with_time(pg_runtime: Runtime, redis_url: str) -> None:
    _, key = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    # 30 a minute (a token every 2 s), a burst of one: Redis's own clock refills it.
    with _client(pg_runtime, rate_limit_per_minute=30, rate_limit_burst=1, rate_limit_redis_url=redis_url) as client:
        assert client.get("/api/v1/taches", headers=key).status_code == 200
        assert client.get("/api/v1/taches", headers=key).status_code == 429
        time.sleep(2.1)
        assert client.get("/api/v1/taches", headers=key).status_code == 200  # refilled
        assert client.get("/api/v1/taches", headers=key).status_code == 429


def test_the_bucket_is_shared_by_api_processes(pg_runtime: Runtime, redis_url: str) -> None:
    _, key = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    limits = {"rate_limit_per_minute": 6, "rate_limit_burst": 4, "rate_limit_redis_url": redis_url}
    with _client(pg_runtime, **limits) as one, _client(pg_runtime, **limits) as other:
        codes = [(one if i % 2 else other).get("/api/v1/taches", headers=key).status_code for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]


def test_fixed_window_without_redis(sqlite_runtime: Runtime) -> None:
    _, key = new_partner(sqlite_runtime, "Habitat 44", "bailleur_social")
    with _client(sqlite_runtime, rate_limit_per_minute=3) as client:
        codes = [client.get("/api/v1/taches", headers=key).status_code for _ in range(4)]
        refused = client.get("/api/v1/taches", headers=key)
    assert codes == [200, 200, 200, 429]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_redis_down_falls_back_to_the_window(pg_runtime: Runtime) -> None:
    _, key = new_partner(pg_runtime, "Habitat 44", "bailleur_social")
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with _client(pg_runtime, rate_limit_per_minute=2, rate_limit_redis_url=down) as client:
        codes = [client.get("/api/v1/taches", headers=key).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_no_limit_when_set_to_zero_and_unauthenticated_calls_are_401(sqlite_runtime: Runtime) -> None:
    _, key = new_partner(sqlite_runtime, "Habitat 44", "bailleur_social")
    with _client(sqlite_runtime, rate_limit_per_minute=0) as client:
        assert {client.get("/api/v1/taches", headers=key).status_code for _ in range(30)} == {200}
    with _client(sqlite_runtime, rate_limit_per_minute=1) as client:
        assert [client.get("/api/v1/taches").status_code for _ in range(3)] == [401] * 3  # no bucket spent


def test_fixed_window_resets_each_minute() -> None:
    now = [120.0]
    limiter = FixedWindowLimiter(2, clock=lambda: now[0])
    assert [limiter.hit("k").allowed for _ in range(3)] == [True, True, False]
    assert limiter.hit("k").retry_after == 60
    now[0] = 179.5
    assert limiter.hit("k").retry_after == 1
    now[0] = 180.0
    assert limiter.hit("k").allowed and limiter.hit("other").allowed


def test_bucket_refills_at_the_configured_rate(redis_url: str) -> None:
    limiter = RateLimiter(per_minute=600, burst=2, redis_url=redis_url)  # 10 a second
    assert [limiter.hit("bench").allowed for _ in range(3)] == [True, True, False]
    time.sleep(0.15)
    assert limiter.hit("bench").allowed
