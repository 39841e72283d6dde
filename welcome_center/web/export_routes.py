"""The access export on the case page: "Auskunft (Art. 15 DSGVO) herunterladen", the same ZIP as
`welcome-center person export` (services/access_export.py).

A POST with the form's CSRF token (the export is a disclosure of everything stored about a person,
and it writes an audit entry: not a link a crawler or a prefetch could follow). Advisers of the case's
district and the lead may; the reader role (reports) may not. The case is loaded with the acting
adviser, so another district's case is "Nicht gefunden" as everywhere. The audit entry commits before
the file goes out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlmodel import Session

from adapters.docx import load_letter_texts
from adapters.settings import get_settings
from domain.access import Actor, Role
from domain.errors import InvalidInput
from domain.files import safe_name
from models.selectors import NotFound
from services.access_export import export_person
from welcome_center.web.deps import Forbidden, current_adviser, db, today, verify_csrf

router = APIRouter()

CHUNK_BYTES = 1024 * 1024
IN_MEMORY_BYTES = 8 * 1024 * 1024  # a larger export is spooled to a temporary file


def exporter(actor: Actor = Depends(current_adviser)) -> Actor:
    if actor.role not in (Role.ADVISER, Role.LEAD):
        raise Forbidden("Eine Auskunft nach Art. 15 DSGVO erstellen die Beraterinnen und Berater des Landkreises "
                        "und die Leitung.", "Keine Berechtigung")
    return actor


def _chunks(stream) -> Iterator[bytes]:
    try:
        stream.seek(0)
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()


@router.post("/faelle/{reference}/auskunft", dependencies=[Depends(verify_csrf)])
async def access_export(request: Request, reference: str, actor: Actor = Depends(exporter),
                        session: Session = Depends(db)):
    settings = getattr(request.app.state, "settings", None) or get_settings()
    stream = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - closed by _chunks once sent
    try:
        result = await run_in_threadpool(
            export_person, session, reference=reference, actor=actor, audit_actor=actor.audit_name,
            cases_dir=settings.cases_dir, quarantine_dir=settings.quarantine_dir,
            letter_languages=tuple(load_letter_texts().languages), now=datetime.now(UTC), target=stream, channel="web",
        )
        session.commit()
    except NotFound:
        stream.close()
        raise  # the German "Nicht gefunden" page (welcome_center.web.app)
    except InvalidInput as refused:
        stream.close()
        session.rollback()
        raise Forbidden(refused.message_de[:1].upper() + refused.message_de[1:] + ".", "Auskunft nicht möglich") from None
    except BaseException:
        stream.close()
        raise
    name = safe_name(f"Auskunft_{result.reference}_{today(request).isoformat()}.zip")
    return StreamingResponse(_chunks(stream), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
