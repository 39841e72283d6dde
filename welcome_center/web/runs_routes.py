"""The lead's "Läufe" page: the scheduled runs with their next run and the last flow runs (reminders,
intake, letters) as the Prefect server has them (flows/run_history.py, the same as `welcome-center
runs`), with a link to the Prefect UI; and "Gesehen" on a failed or crashed run, which takes it off the
lead's Übersicht (services/flow_runs.py, audited).

Only the lead sees it: the runs concern both districts and the whole service. Without a reachable
Prefect server the page says so and shows the schedules, their next run computed locally.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from domain.access import Actor, Role
from domain.errors import InvalidInput
from flows.run_history import FLOW_NAMES, PROBLEM_STATES, Run, api_url, problem_runs, read_overview, ui_url
from models.flow_run import acknowledged_run_ids
from services.flow_runs import acknowledge_run
from welcome_center.web.deps import BadRequest, Forbidden, current_adviser, db, render, templates, verify_csrf

router = APIRouter()

RUNS_PAGE_LIMIT = 30
FLOW_DE = {"reminders": "Erinnerungen", "intake": "Posteingang", "letters": "Briefe", "monthly-report": "Monatsbericht"}
RUN_STATE_DE = {
    "COMPLETED": "abgeschlossen", "FAILED": "fehlgeschlagen", "CRASHED": "abgestürzt", "RUNNING": "läuft",
    "SCHEDULED": "geplant", "PENDING": "startet", "CANCELLED": "abgebrochen", "CANCELLING": "wird abgebrochen",
    "PAUSED": "angehalten",
}
_WEEKDAY_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def run_state_de(run: Run) -> str:
    if run.state == "SCHEDULED" and run.state_name == "Late":
        return "verspätet (nicht gestartet)"
    return RUN_STATE_DE.get(run.state, run.state_name)


def duration_de(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def weekday_de(value) -> str:
    return _WEEKDAY_DE[value.weekday()] if value else ""


templates.env.filters.update(flow_de=lambda name: FLOW_DE.get(name, name), run_state_de=run_state_de,
                             duration_de=duration_de, weekday_de=weekday_de)


def lead(actor: Actor = Depends(current_adviser)) -> Actor:
    if actor.role != Role.LEAD:
        raise Forbidden("Die Läufe (Erinnerungen, Posteingang, Briefe) sieht nur die Leitung.")
    return actor


def unseen_problem_runs(session: Session) -> dict:
    """For the lead's Übersicht: whether the server answered, the failed or crashed runs nobody has
    acknowledged, and the Prefect UI's address."""
    reachable, runs = problem_runs()
    seen = acknowledged_run_ids(session, [run.id for run in runs])
    return {"runs_reachable": reachable, "failed_runs": [run for run in runs if run.id not in seen],
            "prefect_ui": ui_url(api_url())}


@router.get("/laeufe")
def runs_page(request: Request, actor: Actor = Depends(lead), session: Session = Depends(db)):
    overview = read_overview(limit=RUNS_PAGE_LIMIT)
    seen = acknowledged_run_ids(session, [run.id for run in overview.runs if run.problem])
    return render(request, "runs.html", actor, overview=overview, seen=seen,
                  ok="Als gesehen vermerkt." if request.query_params.get("ok") == "gesehen" else None)


@router.post("/laeufe/{run_id}/gesehen", dependencies=[Depends(verify_csrf)])
def acknowledge(request: Request, run_id: str, flow: str = Form("", max_length=60), state: str = Form("", max_length=20),
                back: str = Form("/laeufe"), actor: Actor = Depends(lead), session: Session = Depends(db)):
    if flow not in FLOW_NAMES or state not in PROBLEM_STATES:
        raise BadRequest("Nur ein fehlgeschlagener oder abgestürzter Lauf kann als gesehen vermerkt werden.")
    try:
        acknowledge_run(session, flow_run_id=run_id, flow_name=flow, state=state, adviser_id=actor.id,
                        actor=actor.audit_name)
    except InvalidInput as error:
        raise BadRequest(error.message_de + ".") from None
    session.commit()
    target = "/?ok=gesehen#laeufe" if back == "/" else "/laeufe?ok=gesehen"
    return RedirectResponse(target, status_code=303)
