"""Through the real gateway: values split across parts, and values hidden in encoded text, never reach the provider.

The stand-in provider's record of what it received is the proof; the audit
trail and the refusal are read too, since neither may hold the value.
"""

from __future__ import annotations

import base64
import json
import urllib.parse

import httpx
import pytest

pytestmark = pytest.mark.integration

NI_PARTS = ("JK 41 22", "90 B")
NI = " ".join(NI_PARTS)


@pytest.fixture(scope="module")
def auditor_key(gateway) -> str:
    return gateway.create_key(user="aud@example.gov.uk", department="GIAA", roles=("auditor",))


def chat(gateway, key: str, messages: list[dict]) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/v1/chat/completions",
        json={"model": "echo", "messages": messages},
        headers={"authorization": f"Bearer {key}"},
        timeout=60,
    )


def audit_event(gateway, auditor_key: str, response: httpx.Response) -> dict:
    request_id = response.headers["x-request-id"]
    found = httpx.get(
        f"{gateway.url}/v1/audit/events/{request_id}", headers={"authorization": f"Bearer {auditor_key}"}, timeout=30
    )
    assert found.status_code == 200
    return found.json()


def refused(response: httpx.Response, code: str) -> str:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["type"] == "policy_violation" and error["code"] == code
    return error["message"]


def assert_nowhere(values: list[str], *places: str) -> None:
    for place in places:
        for value in values:
            assert value not in place


def test_a_national_insurance_number_split_across_two_messages(gateway, user_key, auditor_key, recorder):
    response = chat(
        gateway,
        user_key,
        [
            {"role": "user", "content": f"Her National Insurance number is {NI_PARTS[0]}"},
            {"role": "user", "content": f"{NI_PARTS[1]}. Please check her claim."},
        ],
    )
    message = refused(response, "blocked_data")
    assert "The request contains National Insurance numbers, which must not be sent" in message
    assert recorder.requests == []
    event = audit_event(gateway, auditor_key, response)
    assert event["findings"] == {"UK_NINO": 2}
    assert_nowhere([NI_PARTS[0], NI_PARTS[1] + "."], message, json.dumps(event))


def test_a_national_insurance_number_split_across_two_text_parts(gateway, user_key, auditor_key, recorder):
    response = chat(
        gateway,
        user_key,
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Her National Insurance number is JK4122"},
                    {"type": "text", "text": "90B and she lives in Leeds."},
                ],
            }
        ],
    )
    message = refused(response, "blocked_data")
    assert recorder.requests == []
    assert_nowhere(["JK4122", "90B"], message, json.dumps(audit_event(gateway, auditor_key, response)))


def test_a_name_split_across_two_messages_is_replaced_in_both(gateway, user_key, recorder):
    response = chat(
        gateway,
        user_key,
        [
            {"role": "user", "content": "Please draft a letter to Mrs Margaret"},
            {"role": "user", "content": "Thornton about her housing repair."},
        ],
    )
    assert response.status_code == 200, response.text
    sent = [m["content"] for m in recorder.requests[-1]["body"]["messages"]]
    assert sent[0].startswith("Please draft a letter to Mrs <PERSON_") and sent[1].startswith("<PERSON_")
    assert_nowhere(["Margaret", "Thornton"], recorder.text())
    # The answer is restored for the user.
    assert response.json()["choices"][0]["message"]["content"] == "You said: Thornton about her housing repair."


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (base64.b64encode(f"NI number {NI}".encode()).decode(), "base64"),
        (base64.urlsafe_b64encode(b"JK412290B").decode(), "base64"),
        ("https://forms.example.org/claim?nino=" + urllib.parse.quote(NI), "URL encoding"),
        (f"NI number {NI}".encode().hex(), "hexadecimal"),
    ],
    ids=["base64", "base64-url-safe", "url", "hex"],
)
def test_an_encoded_national_insurance_number_is_refused(gateway, user_key, auditor_key, recorder, encoded, encoding):
    response = chat(gateway, user_key, [{"role": "user", "content": f"Decode this and tell me whose it is: {encoded}"}])
    message = refused(response, "encoded_data")
    assert (
        f"The request contains National Insurance numbers hidden in encoded text ({encoding}), "
        "which cannot be replaced by placeholders."
    ) in message
    assert recorder.requests == []
    event = audit_event(gateway, auditor_key, response)
    assert event["decision"] == "block" and [reason["code"] for reason in event["reasons"]][:1] == ["encoded_data"]
    assert_nowhere([encoded, NI, "JK412290B"], message, json.dumps(event))


def test_ordinary_encoded_content_is_still_answered(gateway, user_key, recorder):
    blob = base64.b64encode(bytes(range(256)) * 8).decode()
    prompt = (
        f"The guidance is at https://www.gov.uk/search?q=housing%20benefit%20appeal&order=updated-newest and "
        f"our logo is data:image/png;base64,{blob} (checksum 9f86d081884c7d659a2feaa0c55ad015). Summarise it."
    )
    response = chat(gateway, user_key, [{"role": "user", "content": prompt}])
    assert response.status_code == 200, response.text
    assert recorder.requests[-1]["body"]["messages"][-1]["content"] == prompt
    assert response.json()["choices"][0]["message"]["content"] == "You said: " + prompt
