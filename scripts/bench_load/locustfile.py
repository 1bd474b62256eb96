"""Locust clients of the load benchmark (scripts/bench-load.sh): ballot submitters, and /healthz for scale.

BallotUser: takes an unused token (each once, from $BENCH_TOKENS), opens the ballot form (GET, which sets
the CSRF cookie and gives the form's token, as a browser does), and submits a complete sheet (POST). A
submission counts as successful only when it redirects to the thank-you page. HealthUser: GET /healthz.
No wait between requests: each client is a closed loop, so 100 users = 100 requests in flight.
PacedBallotUser: the same ballots, each client starting one every $BENCH_PACED_CLIENTS / $BENCH_PACED_RATE
seconds, so that the clients together offer a known load below saturation: the latency people see then, not the
length of a saturated queue (at saturation, 100 closed-loop clients wait 100 / throughput on average whatever
the view does — /healthz included). Client i starts its first ballot i / $BENCH_PACED_RATE seconds after the
first client, so that the ballots arrive evenly spaced. Locust starts clients in batches (spawn rate 60 = 60
clients at the same instant each second) and a paced client keeps its phase, so without these offsets every
period brought 60 ballots at once and then 40: bursts that a meeting room does not send, whose queue was what
the paced run measured until 2026-11-29.

Both use locust's FastHttpUser (geventhttpclient), not HttpUser (requests): the load generator runs on the
same cores as the server, and HttpUser costs several times more CPU per request (locust's documentation),
which the server would lose. Measured with FastHttpUser: locust used 5% of the two CPUs during the ballot
run and 23% during the /healthz run.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import time

import gevent
from locust import FastHttpUser, constant, task
from locust.exception import StopUser

_PAYLOAD = json.loads(open(os.environ["BENCH_TOKENS"]).read()) if os.environ.get("BENCH_TOKENS") else {}  # noqa: SIM115
TOKENS: list[dict[str, object]] = list(reversed(_PAYLOAD.get("tokens", [])))
MANIFESTATIONS: list[int] = _PAYLOAD.get("manifestation_ids", [])
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class BallotUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def submit_a_ballot(self) -> None:
        if not TOKENS:
            raise StopUser  # every token is spent: this client is done
        ballot = TOKENS.pop()
        url = f"/evaluations/ballot/{ballot['token']}/"
        form = self.client.get(url, name="ballot form")
        match = CSRF_FIELD.search(form.text or "")
        cookie = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), None)
        if form.status_code != 200 or match is None or cookie is None:
            return
        data = {"csrfmiddlewaretoken": match.group(1)}
        for subject in ballot["subjects"]:  # type: ignore[attr-defined]
            for manifestation in MANIFESTATIONS:
                data[f"s{subject}-m{manifestation}"] = "1"
            data[f"s{subject}-grade"] = "competent"
            data[f"s{subject}-comment"] = ""
        # The CSRF cookie is Secure (production settings); over plain loopback HTTP the jar does not send it
        # back, so it goes in the header, as a browser behind the TLS proxy would send it.
        with self.client.post(
            url,
            data=data,
            headers={"Cookie": f"csrftoken={cookie}"},
            allow_redirects=False,
            name="ballot submit",
            catch_response=True,
        ) as response:
            location = (response.headers or {}).get("Location", "")
            if response.status_code == 302 and location.endswith("/ballot/thanks/"):
                response.success()
            else:
                response.failure(f"not stored: {response.status_code}")


PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "60"))  # submissions a second, all clients together
PACED_CLIENTS = int(os.environ.get("BENCH_PACED_CLIENTS", "100"))
_paced_started = itertools.count()
_paced_epoch: list[float] = []  # when the first paced client started


class PacedBallotUser(BallotUser):
    """A ballot every PACED_CLIENTS / PACED_RATE seconds, at this client's own slots in that period."""

    first_at = 0.0

    def on_start(self) -> None:
        index = next(_paced_started)
        if not _paced_epoch:
            _paced_epoch.append(time.monotonic())
        self.first_at = _paced_epoch[0] + index / PACED_RATE
        gevent.sleep(max(0.0, self.first_at - time.monotonic()))

    def wait_time(self) -> float:
        # Until this client's next slot; a ballot that overran its period skips to the slot after (the load then
        # falls short of the offered rate, which the report shows, rather than arriving in a burst).
        period = PACED_CLIENTS / PACED_RATE
        now = time.monotonic()
        return max(0.0, self.first_at + math.ceil((now - self.first_at) / period) * period - now)


class HealthUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
