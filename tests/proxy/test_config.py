"""Configuration: defaults, a model_list-only file, environment overrides, errors naming the bad key."""

from __future__ import annotations

import pytest

from proxy.config import ConfigError, load_settings


def test_defaults_run_the_demo_model():
    settings = load_settings(environ={})
    assert settings.model_names() == ["demo"]
    assert settings.model_list[0]["litellm_params"]["mock_response"]
    assert settings.server.host == "127.0.0.1" and settings.server.port == 8080
    assert settings.audit.database_url == "sqlite:///handrail.db"
    assert settings.policy.engine == "embedded"


def test_a_file_with_only_model_list_is_complete(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "model_list:\n  - model_name: stand-in\n"
        "    litellm_params: {model: openai/stand-in, api_base: 'http://127.0.0.1:9999/v1', api_key: x}\n"
    )
    settings = load_settings(path, environ={})
    assert settings.model_names() == ["stand-in"]
    assert settings.server.max_body_bytes == 4 * 1024 * 1024


def test_environment_overrides(tmp_path):
    settings = load_settings(
        environ={"HANDRAIL_DATABASE_URL": "sqlite:///elsewhere.db", "HANDRAIL_POLICY_ENGINE": "opa"}
    )
    assert settings.audit.database_url == "sqlite:///elsewhere.db"
    assert settings.policy.engine == "opa"
    path = tmp_path / "c.yaml"
    path.write_text("server: {port: 9000}\n")
    assert load_settings(environ={"HANDRAIL_CONFIG": str(path)}).server.port == 9000


def test_environment_references_in_settings(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("audit: {database_url: os.environ/MY_DB}\n")
    assert load_settings(path, environ={"MY_DB": "sqlite:///x.db"}).audit.database_url == "sqlite:///x.db"
    with pytest.raises(ConfigError, match="MY_DB"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("server: {port: seventy}\n", "server.port"),
        ("server: {prot: 80}\n", "server.prot: unknown setting"),
        ("colour: blue\n", "colour: unknown setting"),
        ("model_list: [{model_name: x}]\n", "litellm_params.model"),
        ("policy: {engine: magic}\n", "policy.engine"),
        ("- just\n- a list\n", "mapping"),
        ("server: [unclosed\n", "not valid YAML"),
    ],
)
def test_errors_name_the_bad_key(tmp_path, text, fragment):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert fragment in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.yaml", environ={})


def test_an_unset_environment_variable_in_model_list_is_named_at_start(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "model_list:\n  - model_name: gpt\n    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY}\n"
    )
    with pytest.raises(ConfigError, match=r"gpt\.litellm_params\.api_key reads environment variable OPENAI_KEY"):
        load_settings(path, environ={})
    settings = load_settings(path, environ={"OPENAI_KEY": "sk"})
    # litellm resolves the reference itself; the file's value is kept as written
    assert settings.model_list[0]["litellm_params"]["api_key"] == "os.environ/OPENAI_KEY"


def test_a_whole_litellm_configuration_is_accepted(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "model_list:\n  - model_name: m\n    litellm_params: {model: openai/m}\n"
        "litellm_settings: {drop_params: true}\ngeneral_settings: {master_key: x}\nrouter_settings: {routing_strategy: simple-shuffle}\n"
    )
    settings = load_settings(path, environ={})
    assert settings.model_names() == ["m"] and settings.general_settings == {"master_key": "x"}
