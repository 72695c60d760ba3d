"""Load on two gateway processes sharing one PostgreSQL audit trail: every request answered as expected, exactly
one audit record per request id (0 lost, 0 duplicated), and the chain verifies. ``bench/load.py`` is the same at
full size."""

from __future__ import annotations

import pytest

from tests.support.load import (
    EXPECTED_STATUS,
    KINDS,
    mixed_cases,
    run_load,
    start_gateways,
    tally_trail,
    verify_trail,
)
from tests.support.postgres import PostgresServer, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REQUESTS = 300
CLIENTS = 8


def test_two_gateways_one_postgres_trail_under_mixed_load(standin, tmp_path):
    require_postgres()
    with PostgresServer() as postgres:
        database_url = postgres.create_database("handrail")
        models = standin.model_list(("echo",))
        gateways = start_gateways(2, models, database_url, tmp_path)
        try:
            key = gateways[0].create_key()
            cases = mixed_cases(REQUESTS)
            assert set(case.kind for case in cases) == set(KINDS)
            answers, _seconds = run_load(gateways, [key, key], cases, CLIENTS)

            assert len(answers) == REQUESTS
            problems = [f"#{a.case.number} {a.case.kind}: {a.problem}" for a in answers if a.problem]
            assert problems == [], "\n".join(problems[:20])
            assert all(a.status == EXPECTED_STATUS[a.case.kind] for a in answers)
            assert {a.gateway for a in answers} == {0, 1}
            request_ids = [a.request_id for a in answers]
            assert None not in request_ids and len(set(request_ids)) == REQUESTS

            tally = tally_trail(database_url, answers)
            assert tally.lost == [], tally.lost[:20]
            assert tally.duplicated == [], tally.duplicated[:20]
            assert tally.unexpected == [], tally.unexpected[:20]
            assert tally.not_answered == [], tally.not_answered[:20]
            assert sum(tally.outcomes.values()) == REQUESTS
        finally:
            for gateway in gateways:
                gateway.stop()
        # after both have stopped (each signs a final checkpoint), the one trail verifies
        verified = verify_trail(gateways[1])
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "intact" in verified.stdout.lower(), verified.stdout
