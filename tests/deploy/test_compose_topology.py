"""deploy/compose.yaml's topology, started as plain processes on 127.0.0.1 (no container runtime here).

Two ``handrail serve`` gateways on one PostgreSQL audit trail, an OPA server configured by the compose file's own
``deploy/opa/config.yaml`` and fed a signed bundle by a static bundle server, and the stand-in provider: a request
through each gateway is decided by the bundle's policy, answered, and recorded in one verifiable trail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy
import yaml
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from proxy.cli import main
from tests.support.bundle_server import BundleServer
from tests.support.gateway import REPOSITORY, Gateway, start_together
from tests.support.opa import OpaServer, opa_binary
from tests.support.postgres import PostgresServer, require_postgres

DEPLOY = REPOSITORY / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.opa]


def test_the_compose_file_describes_the_topology():
    services = COMPOSE["services"]
    assert set(services) == {"gateway-1", "gateway-2", "postgres", "opa", "bundles"}
    for name in ("gateway-1", "gateway-2"):
        gateway = services[name]
        assert gateway["read_only"] is True and gateway["user"].startswith("10001")
        assert gateway["environment"]["HANDRAIL_POLICY_ENGINE"] == "opa"
        assert gateway["environment"]["HANDRAIL_OPA_URL"] == "http://opa:8181"
        assert gateway["depends_on"]["opa"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(gateway["healthcheck"]["test"])
    assert "--config-file=/config/config.yaml" in services["opa"]["command"]
    assert "./opa/config.yaml:/config/config.yaml:ro" in services["opa"]["volumes"]
    opa_config = yaml.safe_load((DEPLOY / "opa" / "config.yaml").read_text())
    assert opa_config["services"]["bundles"]["url"] == "http://bundles:8080"
    # Only the gateways have a way out; every other service is on the internal network alone.
    assert COMPOSE["networks"]["internal"]["internal"] is True
    assert {n for n, s in services.items() if "egress" in s["networks"]} == {"gateway-1", "gateway-2"}


@pytest.fixture(scope="module")
def signed_bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(directory served by the bundle server, public key, revision)."""
    opa_binary()
    directory = tmp_path_factory.mktemp("topology")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private, public = directory / "bundle-key.pem", directory / "bundle-key.pub.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    served = directory / "bundles"
    served.mkdir()
    result = CliRunner().invoke(
        main, ["policy", "bundle", "-o", str(served / "bundle.tar.gz"), "--signing-key", str(private)]
    )
    assert result.exit_code == 0, result.output
    revision = result.output.split("revision ")[1].rstrip(")\n")
    return served, public, revision


def gateway_environment(directory: Path, database_url: str, opa_url: str) -> dict[str, str]:
    """The compose file's gateway environment, with its service names turned into this host's addresses."""
    environment = dict(COMPOSE["services"]["gateway-1"]["environment"])
    secret = directory / "database-url"
    secret.write_text(database_url)
    environment["HANDRAIL_DATABASE_URL_FILE"] = str(secret)
    environment["HANDRAIL_OPA_URL"] = environment["HANDRAIL_OPA_URL"].replace("http://opa:8181", opa_url)
    metrics = directory / "metrics"
    metrics.mkdir()
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    return environment


def test_two_gateways_one_trail_one_bundle(signed_bundle, standin, tmp_path):
    require_postgres()
    served, public_key, revision = signed_bundle
    with PostgresServer() as postgres, BundleServer(served) as bundles:
        database_url = postgres.create_database("handrail")
        opa = OpaServer(
            None,
            tmp_path / "opa.log",
            (
                "--config-file",
                str(DEPLOY / "opa" / "config.yaml"),
                "--set",
                f"services.bundles.url={bundles.url}",
                "--set-file",
                f"keys.handrail.key={public_key}",
            ),
        ).start()
        gateways: list[Gateway] = []
        try:
            for number in (1, 2):
                directory = tmp_path / f"gateway-{number}"
                directory.mkdir()
                # The file names the database too, for `handrail keys create`, which reads only the file.
                gateways.append(
                    Gateway(
                        directory,
                        model_list=standin.model_list(("echo",)),
                        settings={"audit": {"database_url": database_url}},
                        environment=gateway_environment(directory, database_url, opa.url),
                    )
                )
            start_together(gateways)
            _smoke(gateways, revision, database_url)
        finally:
            for gateway in gateways:
                gateway.stop()
            opa.stop()


def _smoke(gateways: list[Gateway], revision: str, database_url: str) -> None:
    key = gateways[0].create_key(department="HMRC")  # one key store: the key works on both gateways
    for number, gateway in enumerate(gateways, start=1):
        ready = httpx.get(f"{gateway.url}/readyz", timeout=10).json()
        assert ready["status"] == "ready", ready
        body = {"model": "echo", "messages": [{"role": "user", "content": f"Summarise the minutes, gateway {number}"}]}
        answer = httpx.post(
            f"{gateway.url}/v1/chat/completions", json=body, timeout=60, headers={"authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 200, answer.text
        assert f"gateway {number}" in answer.json()["choices"][0]["message"]["content"]
        metrics = httpx.get(f"{gateway.url}/metrics", timeout=10).text
        assert 'handrail_model_requests_total{decision="allow",department="HMRC",model="echo"}' in metrics
        assert f'handrail_policy_decisions_total{{decision="allow",policy_revision="{revision}"}}' in metrics
        log_lines = [json.loads(line) for line in gateway.log().splitlines() if line.startswith("{")]
        requests = [line for line in log_lines if line.get("request_id") and line.get("endpoint")]
        assert requests and requests[-1]["decision"] == "allow" and requests[-1]["department"] == "HMRC"
        assert "Summarise the minutes" not in gateway.log()
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as connection:
        versions = (
            connection.execute(
                sqlalchemy.text("SELECT policy_version FROM audit_events WHERE endpoint = '/v1/chat/completions'")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert versions == [revision, revision]  # both decided by the bundle the bundle server served
    verified = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "audit", "verify", "--config", str(gateways[1].config_path)],
        capture_output=True,
        text=True,
        env=_env(gateways[1]),
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _env(gateway: Gateway) -> dict[str, str]:
    import os

    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), **gateway.environment}
    environment.pop("HANDRAIL_CONFIG", None)
    return environment


def test_opa_refuses_a_bundle_signed_by_another_key(signed_bundle, tmp_path):
    served, _public_key, _revision = signed_bundle
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    wrong = tmp_path / "other.pub.pem"
    wrong.write_bytes(other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with BundleServer(served) as bundles:
        opa = OpaServer(
            None,
            tmp_path / "opa.log",
            (
                "--config-file",
                str(DEPLOY / "opa" / "config.yaml"),
                "--set",
                f"services.bundles.url={bundles.url}",
                "--set-file",
                f"keys.handrail.key={wrong}",
            ),
        )
        with pytest.raises(RuntimeError, match="did not become healthy"):
            opa.start(timeout=8)
        opa.stop()
    assert "verification" in (tmp_path / "opa.log").read_text().lower()
