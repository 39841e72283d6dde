"""The quarantine page: the files the inbox and the upload turned away, with their reason and case,
and "Dem Fall zuordnen" after an adviser has looked at a file (services.intake.release_from_quarantine:
the content is judged again; a file with program code stays where it is). Names and reasons pass
through `domain.display.visible` (the template's `visible` filter)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from adapters.rules import load_checklist_rules
from adapters.settings import get_settings
from domain.access import Actor
from domain.errors import InvalidInput
from models import selectors
from services.intake import release_from_quarantine
from welcome_center.web.deps import RowId, current_adviser, db, render, verify_csrf, writer
from welcome_center.web.forms import form_checked

router = APIRouter()

QUARANTINE_PAGE_LIMIT = 200


def _settings(request: Request):
    return getattr(request.app.state, "settings", None) or get_settings()


def _page(request: Request, session: Session, actor: Actor, *, message: str | None = None, file_id: int | None = None,
          status_code: int = 200):
    files, total = selectors.quarantined_files(session, actor=actor, limit=QUARANTINE_PAGE_LIMIT)
    ok = "Datei dem Fall zugeordnet; sie steht jetzt in dessen Unterlagen." if request.query_params.get("ok") == "zugeordnet" else None
    return render(request, "quarantine.html", actor, status_code=status_code, files=files, total=total, message=message,
                  message_file=file_id, ok=ok)


@router.get("/quarantaene")
def quarantine_page(request: Request, actor: Actor = Depends(current_adviser), session: Session = Depends(db)):
    return _page(request, session, actor)


@router.post("/quarantaene/{file_id}/zuordnen", dependencies=[Depends(verify_csrf)])
async def quarantine_release(request: Request, file_id: RowId, actor: Actor = Depends(writer), session: Session = Depends(db)):
    row = selectors.quarantined_file_by_id(session, file_id, actor=actor)
    form = await request.form()
    if not form_checked(form, "geprueft"):
        return _page(request, session, actor, file_id=file_id, status_code=422,
                     message="Bitte zuerst bestätigen, dass die Datei geprüft wurde und zur Person gehört.")
    case = selectors.case_by_reference(session, row.case_reference, actor=actor)
    settings = _settings(request)
    try:
        release_from_quarantine(session, intake_file=row, case=case, cases_dir=settings.cases_dir,
                                quarantine_dir=settings.quarantine_dir, rules=load_checklist_rules(),
                                max_bytes=settings.max_file_bytes, actor=actor.audit_name)
    except InvalidInput as error:
        session.rollback()
        return _page(request, session, actor, file_id=file_id, status_code=422, message=error.message_de + ".")
    except OSError:
        session.rollback()
        return _page(request, session, actor, file_id=file_id, status_code=422,
                     message="Die Datei ist in der Quarantäne nicht mehr lesbar; bitte den Support verständigen.")
    session.commit()
    return RedirectResponse(f"/faelle/{quote(case.reference)}?ok=zugeordnet#checkliste", status_code=303)
