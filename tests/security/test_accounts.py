"""Accounts as an attacker uses them: password guessing, a flood of logins, a cookie kept after logout, caches.

Through the web pages (sign-in form, CSRF token) on SQLite and PostgreSQL (the `runtime` fixture runs both).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from campaigns.accounts import users
from campaigns.accounts.throttle import ACCOUNT_RULE, ADDRESS_RULE, FailureTable, wait_message
from campaigns.accounts.users import get_user_by_email, set_password
from campaigns.runtime.root import Runtime
from tests.conftest import REDIS_URL, new_partner
from tests.factories import signalement
from tests.test_web_auth import PASSWORD, csrf_of, new_user

EMAIL = "agent@ccas-nantes.fr"
WRONG = "pas le bon mot de passe"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_seconds(client: TestClient) -> FakeClock:
    fake = FakeClock()
    client.app.state.login_throttle.clock = fake  # type: ignore[attr-defined]
    return fake


def _login(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> tuple[int, str, dict[str, str]]:
    token = csrf_of(client.get("/connexion").text)
    answer = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token},
                         follow_redirects=False)
    return answer.status_code, answer.text, dict(answer.headers)


def test_five_failures_then_growing_delays_then_a_fifteen_minute_lock(
    client: TestClient, runtime: Runtime, clock_seconds: FakeClock
) -> None:
    new_user(runtime)
    assert [_login(client, password=WRONG)[0] for _ in range(5)] == [401] * 5
    code, text, headers = _login(client)  # the right password, too soon: refused without being checked
    assert code == 429 and headers["retry-after"] == "1" and "réessayez dans 1 seconde." in text
    waits = []
    for _ in range(4):  # each failure past the fifth doubles the wait
        clock_seconds.now += float(_login(client)[2].get("retry-after", "0"))
        assert _login(client, password=WRONG)[0] == 401
        waits.append(int(_login(client)[2]["retry-after"]))
    assert waits == [2, 4, 8, 16]
    clock_seconds.now += 16
    assert _login(client, password=WRONG)[0] == 401  # the tenth failure locks the account for 15 minutes
    code, text, headers = _login(client)
    assert code == 429 and headers["retry-after"] == "900" and "réessayez dans 15 minutes." in text
    clock_seconds.now += 899
    assert _login(client)[0] == 429
    clock_seconds.now += 1
    assert _login(client)[0] == 303


def test_an_unknown_account_is_throttled_like_a_known_one(
    client: TestClient, runtime: Runtime, clock_seconds: FakeClock
) -> None:
    new_user(runtime)
    for email in (EMAIL, "personne@ailleurs.fr"):
        assert [_login(client, email=email, password=WRONG)[0] for _ in range(5)] == [401] * 5
        assert _login(client, email=email, password=WRONG)[0] == 429


def test_one_address_trying_many_accounts_is_locked(
    client: TestClient, runtime: Runtime, clock_seconds: FakeClock
) -> None:
    new_user(runtime)
    codes = []
    for i in range(ADDRESS_RULE.lock_failures):
        code, _, headers = _login(client, email=f"essai{i}@ailleurs.fr", password=WRONG)
        if code == 429:  # each account is new: only the address waits, and the attacker waits as told
            clock_seconds.now += int(headers["retry-after"])
            code = _login(client, email=f"essai{i}@ailleurs.fr", password=WRONG)[0]
        codes.append(code)
    assert codes == [401] * ADDRESS_RULE.lock_failures
    code, _, headers = _login(client)  # a real account from that address: locked too
    assert code == 429 and int(headers["retry-after"]) > 800


def test_the_failure_tables_stay_bounded() -> None:
    table = FailureTable(ACCOUNT_RULE, capacity=1000)
    for i in range(50_000):
        table.fail(f"compte:{i}@ailleurs.fr", now=float(i))
    assert len(table) == 1000
    assert table.wait("compte:49999@ailleurs.fr", now=49_999.0) == 0.0  # one failure: no delay


def test_concurrent_bad_logins_hash_at_most_two_passwords_at_once(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Argon2 hash holds 64 MiB: 300 bad logins at once took the process from 252 to 1,454 MiB."""
    new_user(runtime)
    running, peak, lock = 0, 0, threading.Lock()
    real = users._hasher

    class Counted:
        """The real hasher, counting the verifications running at once."""

        def check_needs_rehash(self, password_hash: str) -> bool:
            return real.check_needs_rehash(password_hash)

        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, password_hash: str, password: str) -> bool:
            return counted(password_hash, password)

    def counted(password_hash: str, password: str) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            return real.verify(password_hash, password)
        finally:
            with lock:
                running -= 1

    users._dummy_hash()  # computed once, before the burst
    monkeypatch.setattr(users, "_hasher", Counted())
    token = csrf_of(client.get("/connexion").text)

    def attempt(i: int) -> None:
        client.post("/connexion", data={"email": f"x{i}@ailleurs.fr", "password": WRONG, "csrf_token": token})

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= users.MAX_CONCURRENT_HASHES


def test_a_cookie_replayed_after_logout_is_refused(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    assert _login(client)[0] == 303
    stolen = client.cookies.get("chaine_session")
    assert stolen and client.get("/", follow_redirects=False).status_code == 200
    token = csrf_of(client.get("/").text)
    assert client.post("/deconnexion", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    client.cookies.set("chaine_session", stolen)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_password_change_ends_every_open_session(runtime: Runtime) -> None:
    new_user(runtime)
    with TestClient(create_app(runtime)) as first, TestClient(create_app(runtime)) as second:
        assert _login(first)[0] == 303 and _login(second)[0] == 303
        with runtime.session_factory.begin() as session:
            ended = set_password(session, user=get_user_by_email(session, EMAIL), password="un tout autre secret",
                                 now=runtime.clock())
        assert ended == 2
        assert first.get("/", follow_redirects=False).status_code == 303
        assert second.get("/", follow_redirects=False).status_code == 303
        assert _login(first, password="un tout autre secret")[0] == 303


def test_an_idle_session_ends(client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    new_user(runtime)
    start = datetime.now(UTC)
    monkeypatch.setattr("api.web.sessions.session_clock", lambda: start)
    assert _login(client)[0] == 303
    monkeypatch.setattr("api.web.sessions.session_clock", lambda: start + timedelta(minutes=29))
    assert client.get("/", follow_redirects=False).status_code == 200  # in use: kept open
    monkeypatch.setattr("api.web.sessions.session_clock", lambda: start + timedelta(minutes=60))
    assert client.get("/", follow_redirects=False).status_code == 303  # 31 minutes without a request


def test_personal_data_is_never_cached(client: TestClient, runtime: Runtime) -> None:
    _, bailleur = new_partner(runtime, "Habitat 44", "bailleur_social")
    assert client.post("/api/v1/signalements", headers=bailleur, json=[signalement("R-1")]).status_code < 300
    case = client.get("/api/v1/signalements/R-1", headers=bailleur)
    assert case.status_code == 200 and case.json()["date_stade"] == "2026-11-20"  # a procedure fact
    assert case.headers["cache-control"] == "no-store"
    new_user(runtime)
    _login(client)
    assert client.get("/").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/dsfr/dsfr.min.css").headers.get("cache-control", "")


def test_wait_messages_are_french_with_plurals() -> None:
    assert wait_message(1).endswith("réessayez dans 1 seconde.")
    assert wait_message(8).endswith("réessayez dans 8 secondes.")
    assert wait_message(60).endswith("réessayez dans 1 minute.")
    assert wait_message(61).endswith("réessayez dans 2 minutes.")



def test_api_processes_sharing_a_redis_share_the_sign_in_failures(pg_runtime: Runtime) -> None:
    """Behind a load balancer, each API process must not grant its own five free failures: with a Redis configured,
    the failures made on one process make the next attempt on another one wait."""
    settings = pg_runtime.settings.model_copy(update={"rate_limit_redis_url": REDIS_URL})
    shared = Runtime(settings, clock=pg_runtime.clock)
    # An account and a client address of this run's own in the shared Redis (it keeps failures 15 minutes).
    email = f"{uuid.uuid4().hex[:12]}@ccas-nantes.fr"
    address = (f"10.{os.getpid() % 250}.{time.time_ns() % 250}.7", 443)
    new_user(shared, email=email)
    try:
        with TestClient(create_app(shared), client=address) as first, \
                TestClient(create_app(shared), client=address) as second:
            assert [_login(first, email, WRONG)[0] for _ in range(5)] == [401] * 5
            code, text, headers = _login(second, email)
            assert code == 429 and headers["retry-after"] == "1" and "réessayez dans 1 seconde." in text
            time.sleep(1.1)
            assert _login(second, email)[0] == 303  # the wait is over, and a right password clears it for all
            assert _login(first, email, WRONG)[0] == 401
    finally:
        shared.engine.dispose()
