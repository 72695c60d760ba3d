"""A refusal tells the user what to do next: when the data is only in an earlier message, to start a new chat."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration

EARLIER = "My National Insurance number is JK 41 22 90 B, please keep it in mind."


def refuse(gateway, key, messages) -> dict:
    response = httpx.post(
        f"{gateway.url}/v1/chat/completions",
        json={"model": "echo", "messages": messages},
        headers={"authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert response.status_code == 403
    return response.json()["error"]


def test_data_only_in_an_earlier_message_says_to_start_a_new_chat(gateway, user_key, recorder):
    error = refuse(
        gateway,
        user_key,
        [
            {"role": "user", "content": EARLIER},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "Now draft a short letter about the council tax review."},
        ],
    )
    assert error["code"] == "blocked_data"
    assert "The data is in an earlier message of this conversation" in error["message"]
    assert "start a new chat" in error["message"]
    assert "41 22 90" not in error["message"]
    assert recorder.requests == []


def test_data_in_the_latest_message_does_not_blame_earlier_ones(gateway, user_key):
    error = refuse(
        gateway,
        user_key,
        [
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi, how can I help?"},
            {"role": "user", "content": EARLIER},
        ],
    )
    assert error["code"] == "blocked_data" and "earlier message" not in error["message"]
