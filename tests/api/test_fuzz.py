"""Schemathesis against the served OpenAPI schema, in process through the WSGI application, as an
authenticated org_admin over a district with data in every resource: whatever the generated input, valid
or not, no operation answers with a server error.

Each operation runs twice: with valid generated input on the ids of existing objects (so the services
really run: steps, records, results), and with invalid input anywhere (negative mode). The operations are
driven one by one through `APIOperation.as_strategy()` and Hypothesis (schemathesis' pytest
`from_fixture` needs pytest's private `Node._nodeid`, gone in pytest 9).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup

from cases.matters.services import matter_apply
from project.wsgi import application
from tests.cases.matters.states import received
from tests.cases.rectification.states import nominated, signed
from tests.cases.rectification.visit_states import sealed
from tests.conftest import Org, Personas
from tests.evaluations.built_rounds import build_closed_round

# ~60 operations, twice each: a handful of examples per run keeps the whole test near a minute.
EXAMPLES = 5


@pytest.fixture
def _keep_the_test_connection() -> Iterator[None]:
    # Django closes "old" connections when a request starts and ends; its test client switches that off,
    # but schemathesis calls the WSGI handler directly, which would close the test's own transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def _existing_ids(org: Org, personas: Personas) -> dict[str, dict[str, int]]:
    """Path parameters per collection: an object of each kind that alice may see."""
    built = build_closed_round(org, personas)
    plan = sealed(personas)  # carl's case, verifying, with a sealed visit plan
    _case, talk = signed(personas, cadre=personas.dora_cadre, round_ref=None)
    matter = received(personas)
    matter_apply(actor=personas.alice, matter=matter, applicant_kind="unit", statement="先行先试")
    nominated(personas, cadre=built.section_1[0])
    return {
        "units": {"id": org.bureau.pk},
        "cadres": {"id": personas.dora_cadre.pk},
        "rounds": {"id": built.round.pk, "cadre_pk": built.dora.pk},
        "cases": {"id": plan.case_id},
        "talks": {"id": talk.pk},
        "commitments": {"id": talk.commitments.get().pk},
        "visits": {"id": plan.pk},
        "matters": {"id": matter.pk},
    }


@pytest.mark.slow
@pytest.mark.usefixtures("_keep_the_test_connection")
def test_no_generated_request_causes_a_server_error(org: Org, personas: Personas) -> None:
    ids = _existing_ids(org, personas)
    headers = {"Authorization": f"Token {Token.objects.create(user=personas.alice).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)  # 401 without
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        collection = operation.path.removeprefix("/api/v1/").split("/")[0]
        fixed = {name: value for name, value in ids[collection].items() if "{" + name + "}" in operation.path}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        for strategy in strategies:

            @given(case=strategy)
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except (FailureGroup, Failure) as error:  # every operation's failures are reported together below
                failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
