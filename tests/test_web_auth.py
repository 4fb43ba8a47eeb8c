"""Web foundation: sign-in and sign-out, CSRF, security headers, roles, the session secret, the `users` CLI."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.access import declare
from api.access_rules import page
from api.app import create_app
from api.web.auth import WebUser, require_roles
from api.web.sessions import load_secret_key
from campaigns.accounts.users import authenticate, disable_user, get_user_by_email
from campaigns.cli import main as cli
from campaigns.models import Partner, User, UserRole
from campaigns.platform.settings import Settings
from campaigns.runtime.root import Runtime, set_runtime
from tests.conftest import new_partner

PASSWORD = "correct cheval pile agrafe"
FAILED = "Adresse électronique ou mot de passe incorrect."


def new_user(runtime: Runtime, email: str = "agent@ccas-nantes.fr", role: str = "agent",
             partner: str = "CCAS de Nantes") -> int:
    from campaigns.accounts.users import add_user

    with runtime.session_factory.begin() as session:
        found = session.query(Partner).filter_by(name=partner).one_or_none()
        partner_id = found.id if found else None
    if partner_id is None:
        partner_id, _ = new_partner(runtime, partner, "ccas")
    with runtime.session_factory.begin() as session:
        user = add_user(session, email=email, display_name="Camille Martin", password=PASSWORD,
                        partner=session.get_one(Partner, partner_id), role=role, now=runtime.clock())
        return user.id


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def log_in(client: TestClient, email: str = "agent@ccas-nantes.fr", password: str = PASSWORD) -> object:
    token = csrf_of(client.get("/connexion").text)
    return client.post("/connexion", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False)


def test_anonymous_home_redirects_to_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/connexion"
    page = client.get("/connexion")
    assert page.status_code == 200 and '<html lang="fr"' in page.text
    assert "République<br>française" in page.text and 'href="#contenu"' in page.text and 'id="contenu"' in page.text
    assert '<label class="fr-label" for="email">Adresse électronique' in page.text
    assert 'aria-describedby="email-messages"' in page.text and 'id="email-messages"' in page.text


def test_login_then_home_lists_what_the_role_opens(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    response = log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert cookie.startswith("chaine_session=") and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # http://127.0.0.1 in the tests
    home = client.get("/")
    assert home.status_code == 200 and "<h1>Accueil</h1>" in home.text and "Camille Martin" in home.text
    assert '<a class="fr-link" href="/mes-taches">Mes tâches</a>' in home.text and "CCAS de Nantes" in home.text
    assert "Campagnes" not in home.text and "Évaluation" not in home.text
    assert 'action="/deconnexion"' in home.text
    with runtime.session_factory() as session:
        assert get_user_by_email(session, "agent@ccas-nantes.fr").last_login_at == runtime.clock()


def test_admin_sees_campaigns_and_evaluation(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime, email="Admin@DDETS.gouv.fr", role="admin")
    assert log_in(client, email="  admin@ddets.gouv.fr ").status_code == 303  # type: ignore[attr-defined]
    home = client.get("/").text
    assert "Campagnes" in home and "Évaluation" in home and "Mes tâches" not in home


def test_wrong_password_and_unknown_address_get_the_same_answer(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    wrong = log_in(client, password="pas le bon mot de passe")
    unknown = log_in(client, email="personne@ailleurs.fr")
    for response in (wrong, unknown):
        assert response.status_code == 401  # type: ignore[attr-defined]
        text = response.text  # type: ignore[attr-defined]
        assert FAILED in text and "<title>Erreur – Connexion – chaîne</title>" in text
        assert 'aria-describedby="email-messages connexion-erreur"' in text and 'id="connexion-erreur"' in text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_empty_fields_are_named_next_to_each_field(client: TestClient) -> None:
    token = csrf_of(client.get("/connexion").text)
    response = client.post("/connexion", data={"email": " ", "password": "", "csrf_token": token})
    assert response.status_code == 400
    assert "Saisissez votre adresse électronique." in response.text and "Saisissez votre mot de passe." in response.text
    assert response.text.count('aria-invalid="true"') == 2 and FAILED not in response.text


def test_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    client.get("/connexion")
    for data in ({}, {"csrf_token": "faux"}, {"csrf_token": "é"}):
        refused = client.post("/connexion", data={"email": "agent@ccas-nantes.fr", "password": PASSWORD, **data})
        assert refused.status_code == 403 and "Formulaire expiré" in refused.text and '<html lang="fr"' in refused.text
    assert client.get("/", follow_redirects=False).status_code == 303  # still signed out
    log_in(client)
    refused = client.post("/deconnexion", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    # Scripts may send the token in a header instead of a form field.
    token = csrf_of(client.get("/").text)
    assert client.post("/deconnexion", headers={"X-CSRF-Token": token}, follow_redirects=False).status_code == 303


def test_logout_closes_the_session(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    log_in(client)
    token = csrf_of(client.get("/").text)
    response = client.post("/deconnexion", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/connexion"
    assert client.get("/", follow_redirects=False).status_code == 303
    page = client.get("/connexion").text
    assert "Votre session est fermée." in page
    assert "Votre session est fermée." not in client.get("/connexion").text  # said once


def test_security_headers_on_pages_api_and_dsfr_assets(client: TestClient) -> None:
    css = client.get("/dsfr/dsfr.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/dsfr/dsfr.module.min.js").status_code == 200
    for response in (client.get("/connexion"), client.get("/api/v1/sante"), css, client.get("/absente")):
        headers = response.headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin" and "camera=()" in headers["permissions-policy"]
    assert client.get("/connexion").headers["cache-control"] == "no-store"
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]


def test_disabled_user_is_refused_and_open_sessions_end(client: TestClient, runtime: Runtime) -> None:
    new_user(runtime)
    log_in(client)
    assert client.get("/", follow_redirects=False).status_code == 200
    with runtime.session_factory.begin() as session:
        disable_user(session, user=get_user_by_email(session, "agent@ccas-nantes.fr"), now=runtime.clock())
    assert client.get("/", follow_redirects=False).status_code == 303
    response = log_in(client)
    assert response.status_code == 401 and FAILED in response.text  # type: ignore[attr-defined]


def test_password_is_stored_as_an_argon2id_hash(runtime: Runtime) -> None:
    new_user(runtime)
    with runtime.session_factory.begin() as session:
        user = get_user_by_email(session, "agent@ccas-nantes.fr")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert authenticate(session, email="AGENT@ccas-nantes.fr", password=PASSWORD, now=runtime.clock()) is user
        assert authenticate(session, email="agent@ccas-nantes.fr", password=PASSWORD + "x", now=runtime.clock()) is None
        assert authenticate(session, email="agent@ccas-nantes.fr", password="x" * 10_000, now=runtime.clock()) is None


@pytest.fixture
def guarded_client(runtime: Runtime) -> Iterator[TestClient]:
    """The application plus a page for admins only, as later pages will declare theirs."""
    app: FastAPI = create_app(runtime)
    declare(app, "GET", "/page-reservee", page(UserRole.ADMIN))

    @app.get("/page-reservee")
    def reserved(user: WebUser = Depends(require_roles(UserRole.ADMIN))) -> PlainTextResponse:  # noqa: B008
        return PlainTextResponse(f"bonjour {user.role}")

    with TestClient(app) as test_client:
        yield test_client


def test_pages_check_roles_and_bring_back_after_login(guarded_client: TestClient, runtime: Runtime) -> None:
    new_user(runtime, email="admin@ddets.gouv.fr", role="admin")
    new_user(runtime)
    assert guarded_client.get("/page-reservee", follow_redirects=False).headers["location"] == "/connexion"
    response = log_in(guarded_client, email="admin@ddets.gouv.fr")
    assert response.headers["location"] == "/page-reservee"  # type: ignore[attr-defined]
    assert guarded_client.get("/page-reservee").text == "bonjour admin"
    guarded_client.cookies.clear()
    log_in(guarded_client)
    refused = guarded_client.get("/page-reservee")
    assert refused.status_code == 403 and "Accès refusé" in refused.text and "Se déconnecter" in refused.text


def test_session_secret_is_generated_once_private_and_cookie_secure_over_https(runtime: Runtime) -> None:
    settings = runtime.settings
    first = load_secret_key(settings)
    path = settings.data_dir / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert load_secret_key(settings) == first
    assert load_secret_key(Settings(secret_key="k" * 40)) == "k" * 40
    with pytest.raises(RuntimeError, match="CHAINE_SECRET_KEY est trop courte"):
        load_secret_key(Settings(secret_key="court"))
    https = Runtime(settings.model_copy(update={"public_base_url": "https://chaine.example.gouv.fr"}),
                    clock=runtime.clock)
    new_user(runtime)
    with TestClient(create_app(https), base_url="https://testserver") as client:
        cookie = log_in(client).headers["set-cookie"].lower()  # type: ignore[attr-defined]
        assert "secure" in cookie and "httponly" in cookie
        assert "max-age=31536000" in client.get("/connexion").headers["strict-transport-security"]


def test_cli_users_add_reads_the_password_and_refuses_mistakes(sqlite_runtime: Runtime) -> None:
    set_runtime(sqlite_runtime)
    runner = CliRunner()
    try:
        assert runner.invoke(cli.app, ["partners", "add", "Habitat 44", "--kind", "bailleur_social"]).exit_code == 0
        added = runner.invoke(cli.app, ["users", "add", "gestion@habitat44.fr", "--partner", "Habitat 44",
                                        "--role", "bailleur", "--password-stdin"], input=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
        assert "Compte créé" in added.output and PASSWORD not in added.output
        prompted = runner.invoke(cli.app, ["users", "add", "suivi@habitat44.fr", "--partner", "Habitat 44",
                                           "--role", "bailleur", "--nom", "Suivi"], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert prompted.exit_code == 0, prompted.output
        mismatch = runner.invoke(cli.app, ["users", "add", "x@habitat44.fr", "--partner", "Habitat 44",
                                           "--role", "bailleur"], input=f"{PASSWORD}\nautre chose\n")
        assert mismatch.exit_code == 1 and "différents" in mismatch.output
        for args, message in ((["--role", "chef"], "rôle inconnu"), (["--partner", "Inconnu"], "partenaire inconnu")):
            options = {"--partner": "Habitat 44", "--role": "bailleur"} | dict(zip(args[::2], args[1::2], strict=True))
            refused = runner.invoke(cli.app, ["users", "add", "y@habitat44.fr", *sum(options.items(), ()),
                                              "--password-stdin"], input=PASSWORD + "\n")
            assert refused.exit_code == 1 and message in refused.output
        short = runner.invoke(cli.app, ["users", "add", "z@habitat44.fr", "--partner", "Habitat 44", "--role",
                                        "bailleur", "--password-stdin"], input="court\n")
        assert short.exit_code == 1 and "12 caractères" in short.output
        assert runner.invoke(cli.app, ["users", "disable", "gestion@habitat44.fr"]).exit_code == 0
        with sqlite_runtime.session_factory() as session:
            users = {u.email: u for u in session.query(User)}
            assert set(users) == {"gestion@habitat44.fr", "suivi@habitat44.fr"}
            assert users["gestion@habitat44.fr"].disabled_at is not None
            assert users["suivi@habitat44.fr"].role == "bailleur"
    finally:
        set_runtime(None)
