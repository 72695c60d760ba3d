"""The Helm chart, rendered by a real ``helm template`` and validated offline against Kubernetes' schemas."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from proxy.config import load_settings
from tests.support import require_binary

REPOSITORY = Path(__file__).resolve().parents[2]
CHART = REPOSITORY / "deploy" / "helm" / "handrail"
VALUES = Path(__file__).with_name("values-ci.yaml")
# The oldest version the chart declares (Chart.yaml kubeVersion) and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.27.0", kubernetes_validate.utils.latest_version() + ".0")

pytestmark = pytest.mark.integration


def render(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    helm = require_binary("helm", "CI renders the chart with helm template")
    command = [helm, "template", "hr", str(CHART), "--namespace", "handrail", "--kube-version", "1.33.0", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def documents() -> list[dict]:
    return [d for d in yaml.safe_load_all(render("-f", str(VALUES)).stdout) if d]


def by_kind(documents: list[dict], kind: str) -> dict:
    [document] = [d for d in documents if d["kind"] == kind]
    return document


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_is_valid_for_kubernetes(documents, version):
    kinds = sorted(d["kind"] for d in documents)
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    ]
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)


def test_the_validator_would_catch_a_broken_resource(documents):
    broken = copy.deepcopy(by_kind(documents, "Deployment"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/healthz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_pods_are_probed_non_root_read_only_and_bounded(documents):
    pod = by_kind(documents, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    gateway = pod["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for container in pod["containers"]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["resources"]["limits"]["cpu"] and container["resources"]["limits"]["memory"]
    # The read-only root leaves the gateway only these to write to.
    assert {m["mountPath"] for m in gateway["volumeMounts"]} == {"/etc/handrail", "/tmp", "/var/lib/handrail"}


def test_secrets_come_only_from_kubernetes_secrets(documents):
    gateway = by_kind(documents, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    from_secrets = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in gateway["env"] if "valueFrom" in e}
    assert from_secrets == {
        "HANDRAIL_DATABASE_URL": "handrail",
        "HANDRAIL_CHECKPOINT_KEY": "handrail",
        "AZURE_API_KEY": "handrail",
    }
    rendered = yaml.safe_dump_all(documents)
    assert "password" not in rendered.lower() and "BEGIN PUBLIC KEY" not in rendered
    opa = by_kind(documents, "Deployment")["spec"]["template"]["spec"]["containers"][1]
    assert "--set-file=keys.handrail.key=/etc/handrail-bundle-key/bundle-key.pub.pem" in opa["args"]


def test_the_configmap_is_a_configuration_the_gateway_accepts(documents):
    config = by_kind(documents, "ConfigMap")["data"]
    environment = {"HANDRAIL_CHECKPOINT_KEY": "k" * 32, "AZURE_API_KEY": "x"}
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as file:
        file.write(config["handrail.yaml"])
        file.flush()
        settings = load_settings(file.name, environ=environment)
    assert settings.policy.engine == "opa" and settings.policy.opa_url == "http://127.0.0.1:8181"
    assert settings.server.log_format == "json" and settings.server.workers == 0
    assert settings.model_names() == ["gpt-4o"]
    opa = yaml.safe_load(config["opa.yaml"])
    assert opa["bundles"]["handrail"]["signing"]["keyid"] == "handrail" and "key" not in opa["keys"]["handrail"]


def test_egress_goes_only_to_dns_providers_postgres_and_the_bundle_server(documents):
    egress = by_kind(documents, "NetworkPolicy")["spec"]["egress"]
    destinations = [(rule["to"], sorted(p["port"] for p in rule["ports"])) for rule in egress]
    values = yaml.safe_load(VALUES.read_text())["networkPolicy"]
    assert destinations == [
        (destinations[0][0], [53, 53]),
        ([{"ipBlock": {"cidr": "203.0.113.0/24"}}], [443]),
        ([{"ipBlock": {"cidr": "10.0.5.0/24"}}], [5432]),
        (values["bundleServer"]["to"], [8080]),
    ]
    assert destinations[0][0][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert "0.0.0.0/0" not in yaml.safe_dump(egress)
    assert by_kind(documents, "NetworkPolicy")["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_scaling_and_disruption_are_bounded(documents):
    hpa, pdb = by_kind(documents, "HorizontalPodAutoscaler"), by_kind(documents, "PodDisruptionBudget")
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["scaleTargetRef"]["name"] == "hr-handrail"
    assert pdb["spec"]["minAvailable"] == 1
    assert "replicas" not in by_kind(documents, "Deployment")["spec"]  # the autoscaler owns the count


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("secrets.name", "secrets.name is required"),
        ("opa.bundleServer.url", "opa.bundleServer.url is required"),
        ("networkPolicy.postgres.to", "networkPolicy.postgres.to is required"),
    ],
)
def test_required_values_are_asked_for(missing, message):
    empty = "null" if missing.endswith(".to") else '""'
    result = render("-f", str(VALUES), "--set-json", f"{missing}={empty}", check=False)
    assert result.returncode != 0 and message in result.stderr
