"""Builds the Word templates in templates/letters/ (person.docx, body.docx, sme.docx).

    python -m tools.letter_templates [--out templates/letters]

The .docx files are committed: an office worker opens and edits them in Word or LibreOffice, and
the renderer (`adapters.docx`) reads the .docx files, never this module. Run it again only
to start over from the house style below; it overwrites the three files.

Why the package is written by hand instead of from python-docx's default document: that document is
US Letter with a Cambria theme font and carries 790 KB of style XML that every letter would have to
copy and compress again (letters.md). Here: A4 set explicitly, Arial in every font slot (Liberation
Sans in LibreOffice, metrically identical), ten small styles, nothing else.

DIN 5008 form B (letters.md), all positions measured from the top-left corner of the sheet:
- the address field is one page-positioned table (`w:tblpPr`, anchored to the page) at 20 mm from
  the left and 45 mm from the top, with zero cell margins; the 5 mm inner indent to the 25 mm
  Fluchtlinie is a paragraph indent (a cell margin would move the table in LibreOffice);
- row 1 (17.7 mm) is the Zusatz- und Vermerkzone with the return address (6 pt, filled from the
  bottom), row 2 (27.3 mm) the Anschriftzone, filled from the top;
- the same table carries the information block in a third column from 125 mm, starting at 50 mm:
  one table across the whole width, so that no line of body text can flow into the gap between the
  address field and the information block, as it could beside two separate floating tables;
- the body text begins below the table (Betreff at about 98 mm); pages 2 and later start at 27 mm;
- page 1 has the letterhead in its header and the district's Geschäftsangaben in its footer; from
  page 2 the footer says "Seite X von Y" (PAGE / NUMPAGES fields).

Jinja tags (docxtpl) always sit whole in one run; `{%p … %}` tags in paragraphs of their own.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from adapters.settings import get_settings

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

FONT = "Arial"  # Liberation Sans in LibreOffice (same metrics); Arial has Arabic glyphs in Word
GREY = "595959"
TEMPLATE_NAMES = ("person", "body", "sme")


def tw(mm: float) -> int:
    """Millimetres to twentieths of a point (twips), the unit of page geometry in WordprocessingML."""
    return round(mm * 1440 / 25.4)


# Page geometry (mm): A4, left margin on the 25 mm Fluchtlinie, right margin 20 mm.
PAGE_W, PAGE_H = 210, 297
MARGIN_LEFT, MARGIN_RIGHT = 25, 20
MARGIN_TOP, MARGIN_BOTTOM = 27, 32
HEADER_FROM_TOP, FOOTER_FROM_BOTTOM = 10, 10
FIELD_X, FIELD_Y = 20, 45  # Anschriftfeld
FIELD_W, NOTE_ZONE_H, ADDRESS_ZONE_H = 85, 17.7, 27.3
INFO_X, INFO_Y, INFO_RIGHT = 125, 50, 10  # Informationsblock
SUBJECT_GAP = 8.5  # two blank 11 pt lines below the field: the Betreff at about 98.5 mm
SPACER_H = FIELD_Y - MARGIN_TOP  # the text area above the field on page 1, kept empty
INDENT = 5  # 20 mm field edge + 5 mm = the 25 mm Fluchtlinie
INFO_LABEL_W = 26  # the information block's labels, then the values
# DIN 5008 (letters.md): body text at least 10 pt, and so every line of the letter; the one exception is
# the Rücksendeangabe in the Vermerkzone, 6–8 pt, here 6 pt: the longer district's return line is
# 68 mm at 6 pt and 80 mm at 7 pt, the width of the zone
TEXT_PT = 10
RETURN_LINE_PT = 6


# ------------------------------------------------------------------------------------ XML pieces


def run(text: str = "", *, bold: bool = False, italic: bool = False, size: float | None = None,
        color: str | None = None, rtl: bool = False, tab: bool = False, field: str | None = None) -> str:
    """One run. Sizes in points; `rtl` marks a right-to-left run (Arabic) with w:rtl and the
    complex-script font, size and bold that Word uses for such runs."""
    props = []
    if rtl:
        props.append(f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>')
    if bold:
        props.append("<w:b/><w:bCs/>")
    if italic:
        props.append("<w:i/><w:iCs/>")
    if color:
        props.append(f'<w:color w:val="{color}"/>')
    if size:
        half = round(size * 2)
        props.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    if rtl:
        props.append('<w:rtl/><w:lang w:val="de-DE" w:bidi="ar-SA"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    if tab:
        return f"<w:r>{rpr}<w:tab/></w:r>"
    if field:
        return (
            f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> {field} </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f"<w:r>{rpr}<w:t>1</w:t></w:r>"
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
        )
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(*runs: str, style: str | None = None, rtl: bool = False, align: str | None = None,
         page_break: bool = False, keep_next: bool = False, keep_lines: bool = False, before: float | None = None,
         after: float | None = None, tabs: tuple[tuple[str, float], ...] = ()) -> str:
    """One paragraph; `rtl` sets w:bidi (right-to-left paragraph). Spacing in points, tab stops in mm."""
    props = []
    if style:
        props.append(f'<w:pStyle w:val="{style}"/>')
    if keep_next:
        props.append("<w:keepNext/>")
    if keep_lines:
        props.append("<w:keepLines/>")
    if page_break:
        props.append("<w:pageBreakBefore/>")
    if tabs:
        stops = "".join(f'<w:tab w:val="{kind}" w:pos="{tw(pos)}"/>' for kind, pos in tabs)
        props.append(f"<w:tabs>{stops}</w:tabs>")
    if rtl:
        props.append("<w:bidi/>")
    if before is not None or after is not None:
        attrs = "".join(
            f' w:{name}="{round(value * 20)}"' for name, value in (("before", before), ("after", after)) if value is not None
        )
        props.append(f"<w:spacing{attrs}/>")
    if align:
        props.append(f'<w:jc w:val="{align}"/>')
    ppr = f"<w:pPr>{''.join(props)}</w:pPr>" if props else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def tag(jinja: str) -> str:
    """A paragraph that holds only a docxtpl paragraph tag such as `{%p for x in xs %}`."""
    return f'<w:p><w:r><w:t xml:space="preserve">{escape(jinja)}</w:t></w:r></w:p>'


def cell(width_mm: float, content: str, *, v_align: str = "top", v_merge: str | None = None) -> str:
    merge = "" if v_merge is None else ('<w:vMerge w:val="restart"/>' if v_merge == "restart" else "<w:vMerge/>")
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{tw(width_mm)}" w:type="dxa"/>{merge}'
        f'<w:vAlign w:val="{v_align}"/></w:tcPr>{content or para()}</w:tc>'
    )


NO_BORDERS = (
    "<w:tblBorders>"
    + "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + "</w:tblBorders>"
)
ZERO_CELL_MARGINS = (
    "<w:tblCellMar>"
    + "".join(f'<w:{side} w:w="0" w:type="dxa"/>' for side in ("top", "left", "bottom", "right"))
    + "</w:tblCellMar>"
)


# ------------------------------------------------------------------------------------ the letter


def address_and_info_block() -> str:
    """Anschriftfeld (20/45 mm, 85 × 45 mm) and Informationsblock (from 125/50 mm), one
    page-positioned table with zero cell margins (letters.md: safe in Word and LibreOffice)."""
    gap_w = INFO_X - FIELD_X - FIELD_W
    info_w = PAGE_W - INFO_RIGHT - INFO_X
    # DIN 5008 labels (Leitwörter) at the body size: the longest, "Unser Zeichen", is 23 mm at 10 pt
    info_tabs = (("left", INFO_LABEL_W),)
    info_line = lambda label, value: para(  # noqa: E731
        run(label, color=GREY), run(tab=True), run(value), style="BriefInfo", tabs=info_tabs
    )
    info = (
        tag("{%p if info.your_reference %}")
        + info_line("Ihr Zeichen", "{{ info.your_reference }}")
        + tag("{%p endif %}")
        + info_line("Unser Zeichen", "{{ info.our_reference }}")
        + tag("{%p if info.contact_name %}")
        + info_line("Name", "{{ info.contact_name }}")
        + tag("{%p endif %}")
        + info_line("Telefon", "{{ info.phone }}")
        # an e-mail address is not broken: on a line of its own it has the block's whole 75 mm
        + para(run("E-Mail", color=GREY), style="BriefInfo")
        + para(run("{{ info.email }}"), style="BriefInfo")
        + para(run(), style="BriefInfo")
        + info_line("Datum", "{{ info.date }}")
    )
    # the information block starts 5 mm below the top of the field: an empty line of exactly 5 mm
    info_first_gap = para(run(), style="BriefInfo").replace(
        '<w:pStyle w:val="BriefInfo"/>',
        f'<w:pStyle w:val="BriefInfo"/><w:spacing w:before="0" w:after="0" w:line="{tw(INFO_Y - FIELD_Y)}" w:lineRule="exact"/>',
    )
    # 2 pt above the zone's lower edge: the line's descenders stay clear of the first address line
    return_line = para(run("{{ letterhead.return_line }}"), style="BriefRuecksendeangabe", after=2)
    address = (
        tag("{%p for line in recipient.lines %}")
        + para(run("{{ line }}"), style="BriefAnschrift")
        + tag("{%p endfor %}")
    )
    return (
        "<w:tbl><w:tblPr>"
        f'<w:tblpPr w:leftFromText="0" w:rightFromText="0" w:topFromText="0" w:bottomFromText="{tw(SUBJECT_GAP)}" '
        f'w:vertAnchor="page" w:horzAnchor="page" w:tblpX="{tw(FIELD_X)}" w:tblpY="{tw(FIELD_Y)}"/>'
        '<w:tblOverlap w:val="never"/>'
        f'<w:tblW w:w="{tw(FIELD_W + gap_w + info_w)}" w:type="dxa"/>'
        f"{NO_BORDERS}"
        '<w:tblLayout w:type="fixed"/>'
        f"{ZERO_CELL_MARGINS}"
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        "</w:tblPr>"
        f'<w:tblGrid><w:gridCol w:w="{tw(FIELD_W)}"/><w:gridCol w:w="{tw(gap_w)}"/><w:gridCol w:w="{tw(info_w)}"/></w:tblGrid>'
        f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{tw(NOTE_ZONE_H)}" w:hRule="exact"/></w:trPr>'
        + cell(FIELD_W, return_line, v_align="bottom")
        + cell(gap_w, "", v_merge="restart")
        + cell(info_w, info_first_gap + info, v_merge="restart")
        + "</w:tr>"
        f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{tw(ADDRESS_ZONE_H)}" w:hRule="exact"/></w:trPr>'
        + cell(FIELD_W, address)
        + cell(gap_w, "", v_merge="continue")
        + cell(info_w, "", v_merge="continue")
        + "</w:tr></w:tbl>"
    )


def sections(name: str, *, rtl: bool = False) -> str:
    """The loop over a letter's sections: an optional heading, then paragraphs and list items.

    A block is {lead, text, mark}: `lead` is set in bold ("Gebühren: "), `mark` ("•", "☐", "1.")
    makes it a list item with a hanging indent. The last block of the last section is kept whole and
    with the next paragraph (keepLines, keepNext), so that the closing and the signature never stand
    alone on the last page. In right-to-left text, numbers, dates, e-mail addresses and references
    are isolated left to right (the `ltr` filter, adapters.docx)."""
    text = "{{ b.text|ltr }}" if rtl else "{{ b.text }}"
    lead = "{{ b.lead|ltr }}" if rtl else "{{ b.lead }}"

    def item(keep: bool) -> str:
        return para(run("{{ b.mark }}", rtl=rtl), run(tab=True, rtl=rtl), run(lead, bold=True, rtl=rtl),
                    run(text, rtl=rtl), style="BriefAufzaehlung", rtl=rtl, keep_next=keep, keep_lines=keep)

    def paragraph(keep: bool) -> str:
        return para(run(lead, bold=True, rtl=rtl), run(text, rtl=rtl), style="BriefText", rtl=rtl,
                    keep_next=keep, keep_lines=keep)

    heading = "{{ s.heading|ltr }}" if rtl else "{{ s.heading }}"
    return (
        tag(f"{{%p for s in {name} %}}")
        + tag("{%p set last_section = loop.last %}")
        + tag("{%p if s.heading %}")
        + para(run(heading, bold=True, rtl=rtl), style="BriefZwischenueberschrift", rtl=rtl, keep_next=True)
        + tag("{%p endif %}")
        + tag("{%p for b in s.blocks %}")
        + tag("{%p if b.mark and last_section and loop.last %}")
        + item(True)
        + tag("{%p elif b.mark %}")
        + item(False)
        + tag("{%p elif last_section and loop.last %}")
        + paragraph(True)
        + tag("{%p else %}")
        + paragraph(False)
        + tag("{%p endif %}")
        + tag("{%p endfor %}")
        + tag("{%p endfor %}")
    )


def value(name: str, *, rtl: bool) -> str:
    """A `{{ … }}` tag; in right-to-left text with the `ltr` filter (adapters.docx)."""
    return f"{{{{ {name}|ltr }}}}" if rtl else f"{{{{ {name} }}}}"


def opening(prefix: str = "", *, rtl: bool = False) -> str:
    return (
        para(run(value(f"{prefix}subject", rtl=rtl), bold=True, rtl=rtl), style="BriefBetreff", rtl=rtl)
        + para(run(value(f"{prefix}salutation", rtl=rtl), rtl=rtl), style="BriefText", rtl=rtl)
    )


def line_break(*, rtl: bool = False) -> str:
    return run(rtl=rtl).replace('<w:t xml:space="preserve"></w:t>', "<w:br/>")


def closing_block(closing_name: str, *, rtl: bool = False, blank_line: bool = True) -> str:
    """The closing, a line for the handwritten signature (German part) and the signature, as one
    paragraph with line breaks that is never split (keepLines): the paragraph before it keeps with it
    (keepNext, `sections`), so the closing never stands alone on a page. Separate paragraphs chained
    by keepNext were split by LibreOffice 7.4 at the end of an Arabic translation (signature alone
    on the last page)."""
    return para(
        run(value(closing_name, rtl=rtl), rtl=rtl), line_break(rtl=rtl), *((line_break(rtl=rtl),) if blank_line else ()),
        run(value("signature.name", rtl=rtl), rtl=rtl), line_break(rtl=rtl),
        run(value("signature.organisation", rtl=rtl), rtl=rtl),
        style="BriefSignatur", rtl=rtl, keep_lines=True, before=6,
    )


def closing(prefix: str = "", *, rtl: bool = False) -> str:
    return closing_block(f"{prefix}closing", rtl=rtl)


def translation(*, rtl: bool) -> str:
    """The courtesy translation after the binding German text, on a page of its own."""
    condition = "translation and translation.rtl" if rtl else "translation and not translation.rtl"
    return (
        tag(f"{{%p if {condition} %}}")
        + para(run("{{ translation.heading_de }}", bold=True), style="BriefZwischenueberschrift", page_break=True, keep_next=True)
        + para(run("{{ translation.heading }}", bold=True, rtl=rtl), style="BriefZwischenueberschrift", rtl=rtl, keep_next=True)
        + para(run(value("translation.note", rtl=rtl), italic=True, rtl=rtl), style="BriefHinweis", rtl=rtl)
        + opening("translation.", rtl=rtl)
        + sections("translation.sections", rtl=rtl)
        + closing_block("translation.closing", rtl=rtl, blank_line=False)
        + tag("{%p endif %}")
    )


def enclosures() -> str:
    return (
        tag("{%p if enclosures %}")
        + para(run("Anlagen", bold=True), style="BriefZwischenueberschrift", keep_next=True, before=12)
        + tag("{%p for e in enclosures %}")
        + para(run("{{ loop.index }}."), run(tab=True), run("{{ e.title }}"), run("{{ e.detail }}", color=GREY),
               style="BriefAufzaehlung", keep_next=True)
        + tag("{%p endfor %}")
        + tag("{%p endif %}")
    )


def document_xml(name: str) -> str:
    spacer = para(style="BriefAbstand")  # keeps the text area above the address field empty
    body = spacer + address_and_info_block() + opening() + sections("sections") + closing()
    if name == "person":
        body += translation(rtl=False) + translation(rtl=True)
    if name in ("body", "sme"):
        body += enclosures()
    return (
        f"{XML_HEAD}<w:document {NS}><w:body>{body}"
        "<w:sectPr>"
        '<w:headerReference w:type="default" r:id="rIdHeaderDefault"/>'
        '<w:footerReference w:type="default" r:id="rIdFooterDefault"/>'
        '<w:headerReference w:type="first" r:id="rIdHeaderFirst"/>'
        '<w:footerReference w:type="first" r:id="rIdFooterFirst"/>'
        f'<w:pgSz w:w="{tw(PAGE_W)}" w:h="{tw(PAGE_H)}"/>'
        f'<w:pgMar w:top="{tw(MARGIN_TOP)}" w:right="{tw(MARGIN_RIGHT)}" w:bottom="{tw(MARGIN_BOTTOM)}" '
        f'w:left="{tw(MARGIN_LEFT)}" w:header="{tw(HEADER_FROM_TOP)}" w:footer="{tw(FOOTER_FROM_BOTTOM)}" w:gutter="0"/>'
        '<w:cols w:space="708"/><w:titlePg/>'
        "</w:sectPr></w:body></w:document>"
    )


def header_first() -> str:
    """The letterhead: the district and its Welcome Center, right-aligned above the address field."""
    return (
        f"{XML_HEAD}<w:hdr {NS}>"
        + para(run("{{ letterhead.authority }}", bold=True, size=16), style="BriefKopf", align="right")
        + para(run("{{ letterhead.organisation }}", size=11), style="BriefKopf", align="right")
        + para(run("Beratung zur Anerkennung ausländischer Berufsqualifikationen", size=TEXT_PT, color=GREY),
               style="BriefKopf", align="right")
        + "</w:hdr>"
    )


def header_default() -> str:
    return f"{XML_HEAD}<w:hdr {NS}>{para(style='BriefKopf')}</w:hdr>"


def footer_first() -> str:
    """Geschäftsangaben of the district on page 1 (address, contact, opening hours), three lines of
    10 pt across the text width below a thin rule: in three columns of 55 mm an e-mail address of
    72 mm would break."""
    line = lambda *runs: para(*runs, style="BriefFusszeile")  # noqa: E731
    rule = '<w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="A6A6A6"/></w:pBdr>'
    first = line(run("{{ letterhead.organisation }}", bold=True), run(" · {{ letterhead.street }} · "
                 "{{ letterhead.postcode }} {{ letterhead.city }}")).replace(
        '<w:pStyle w:val="BriefFusszeile"/>', f'<w:pStyle w:val="BriefFusszeile"/>{rule}')
    return (
        f"{XML_HEAD}<w:ftr {NS}>"
        + first
        + line(run("Telefon {{ letterhead.phone }} · E-Mail {{ letterhead.email }}"))
        + line(run("Sprechzeiten {{ letterhead.opening_hours }}"))
        + "</w:ftr>"
    )


def footer_default() -> str:
    """From page 2: the reference and date on the left, "Seite X von Y" on the right."""
    text_w = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
    return (
        f"{XML_HEAD}<w:ftr {NS}>"
        + para(
            run("{{ letterhead.organisation }} · Unser Zeichen {{ info.our_reference }} · {{ info.date }}", color=GREY),
            run(tab=True),
            run("Seite "), run(field="PAGE"), run(" von "), run(field="NUMPAGES"),
            style="BriefFusszeile", tabs=(("right", text_w),),
        )
        + "</w:ftr>"
    )


# ------------------------------------------------------------------------------------ package parts


def styles_xml() -> str:
    def style(style_id: str, name: str, ppr: str = "", rpr: str = "", based_on: str = "Normal", extra: str = "") -> str:
        return (
            f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="{based_on}"/>{extra}<w:qFormat/>'
            + (f"<w:pPr>{ppr}</w:pPr>" if ppr else "")
            + (f"<w:rPr>{rpr}</w:rPr>" if rpr else "")
            + "</w:style>"
        )

    size = lambda pt: f'<w:sz w:val="{round(pt * 2)}"/><w:szCs w:val="{round(pt * 2)}"/>'  # noqa: E731
    fonts = f'<w:rFonts w:ascii="{FONT}" w:eastAsia="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>'
    return (
        f"{XML_HEAD}<w:styles {NS}>"
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'{fonts}{size(11)}<w:lang w:val="de-DE" w:eastAsia="de-DE" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault>"
        '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        "</w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
        f"<w:pPr><w:widowControl/></w:pPr><w:rPr>{fonts}{size(11)}</w:rPr></w:style>"
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        + style("BriefText", "Brief Text", '<w:spacing w:after="120" w:line="264" w:lineRule="auto"/>')
        + style("BriefBetreff", "Brief Betreff", '<w:keepNext/><w:spacing w:after="240"/>', "<w:b/><w:bCs/>")
        + style("BriefZwischenueberschrift", "Brief Zwischenüberschrift",
                '<w:keepNext/><w:spacing w:before="180" w:after="60"/>', "<w:b/><w:bCs/>")
        + style("BriefAufzaehlung", "Brief Aufzählung",
                f'<w:tabs><w:tab w:val="left" w:pos="{tw(6)}"/></w:tabs><w:spacing w:after="60" w:line="264" w:lineRule="auto"/>'
                f'<w:ind w:left="{tw(6)}" w:hanging="{tw(6)}"/>')
        + style("BriefHinweis", "Brief Hinweis", '<w:spacing w:after="160"/>', f'<w:i/><w:iCs/><w:color w:val="{GREY}"/>{size(TEXT_PT)}')
        + style("BriefSignatur", "Brief Signatur")
        + style("BriefAnschrift", "Brief Anschrift", f'<w:ind w:left="{tw(INDENT)}"/>', size(TEXT_PT))
        + style("BriefRuecksendeangabe", "Brief Rücksendeangabe", f'<w:ind w:left="{tw(INDENT)}"/>', size(RETURN_LINE_PT))
        + style("BriefInfo", "Brief Informationsblock", "", size(TEXT_PT))
        + style("BriefKopf", "Brief Briefkopf")
        + style("BriefFusszeile", "Brief Fußzeile", "", size(TEXT_PT))
        + style("BriefAbstand", "Brief Abstand über dem Anschriftfeld",
                f'<w:spacing w:before="0" w:after="0" w:line="{tw(SPACER_H)}" w:lineRule="exact"/>', size(2))
        + "</w:styles>"
    )


def settings_xml() -> str:
    return (
        f"{XML_HEAD}<w:settings {NS}>"
        '<w:defaultTabStop w:val="708"/><w:autoHyphenation/><w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        '<w:themeFontLang w:val="de-DE" w:bidi="ar-SA"/>'
        '<w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/>'
        "</w:settings>"
    )


def font_table_xml() -> str:
    return (
        f"{XML_HEAD}<w:fonts {NS}>"
        f'<w:font w:name="{FONT}"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
        "</w:fonts>"
    )


CONTENT_TYPES = (
    f"{XML_HEAD}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/header2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)

PACKAGE_RELS = (
    f"{XML_HEAD}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)

DOCUMENT_RELS = (
    f"{XML_HEAD}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
    '<Relationship Id="rIdFonts" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>'
    '<Relationship Id="rIdHeaderFirst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
    '<Relationship Id="rIdHeaderDefault" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/>'
    '<Relationship Id="rIdFooterFirst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
    '<Relationship Id="rIdFooterDefault" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>'
    "</Relationships>"
)


def core_xml(name: str) -> str:
    return (
        f"{XML_HEAD}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>Welcome Center: Briefvorlage {escape(name)} (DIN 5008 Form B)</dc:title>"
        "<dc:creator>Welcome Center</dc:creator><dc:language>de-DE</dc:language>"
        "</cp:coreProperties>"
    )


APP_XML = (
    f"{XML_HEAD}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
    "<Application>welcome-center</Application></Properties>"
)


def package(name: str) -> dict[str, str]:
    """The parts of one template, in the order they are written (content types first)."""
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "docProps/core.xml": core_xml(name),
        "docProps/app.xml": APP_XML,
        "word/document.xml": document_xml(name),
        "word/_rels/document.xml.rels": DOCUMENT_RELS,
        "word/styles.xml": styles_xml(),
        "word/settings.xml": settings_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/header1.xml": header_first(),
        "word/header2.xml": header_default(),
        "word/footer1.xml": footer_first(),
        "word/footer2.xml": footer_default(),
    }


def build(directory: Path) -> list[Path]:
    """Write person.docx, body.docx and sme.docx into `directory` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TEMPLATE_NAMES:
        path = directory / f"{name}.docx"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part, xml in package(name).items():
                info = zipfile.ZipInfo(part, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, xml.encode("utf-8"))
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=get_settings().templates_dir / "letters")
    for path in build(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
