"""What a print PDF promises, checked: WeasyPrint writes any PDF variant asked for but validates nothing."""

from __future__ import annotations

import io

import lxml.html

from bookforge.errors import Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.render.rendition import Rendition
from bookforge.render.survey import survey

_RGB_SPACES = ("/DeviceRGB", "/CalRGB")


def check_html(rendition: Rendition, where: Location) -> list[Diagnostic]:
    """Before layout: what the HTML must carry for the variant (PDF/UA: a title, a language, alt text)."""
    layout = rendition.layout
    if layout.settings["pdf_variant"] != "pdf/ua-1":
        return []
    asked = layout.origins.get("pdf_variant") or where
    content = survey({d.href: lxml.html.document_fromstring(d.content) for d in rendition.documents})
    problems = []
    if not content.titled:
        problems.append(Diagnostic("pdf-variant", "PDF/UA needs a document title; the HTML has none", asked))
    if not content.languages:
        problems.append(Diagnostic("pdf-variant", "PDF/UA needs the document's language; <html> has no lang", asked))
    for tag in content.undescribed:
        problems.append(Diagnostic(
            "pdf-variant", f"PDF/UA needs alt text on every image, and this one has none: {tag}",
            where, "give the image an `alt` describing it, or `alt=\"\"` with role=\"presentation\" when "
            "it is decoration"))
    return problems


def check_pdf(data: bytes, layout: Layout, where: Location) -> list[Diagnostic]:
    """After writing: the bytes have what the variant requires. Every problem is an error at `pdf_variant`."""
    import pikepdf

    variant = layout.settings["pdf_variant"]
    asked = layout.origins.get("pdf_variant") or where
    found: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found += _fonts_embedded(pdf)
        if not str(pdf.docinfo.get("/Title", "")).strip():
            found.append("the document has no title")
        if variant.startswith("pdf/x"):
            found += _press_ready(pdf, variant)
        if variant == "pdf/ua-1":
            found += _accessible(pdf)
    name = variant.upper().replace("PDF/", "PDF/") if variant else "PDF"
    return [Diagnostic("pdf-variant", f"{name}: {problem}", asked if variant else where) for problem in found]


def _fonts_embedded(pdf) -> list[str]:
    missing = set()
    for page in pdf.pages:
        for name, font in (page.obj.get("/Resources", {}).get("/Font") or {}).items():
            owner = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
            descriptor = owner.get("/FontDescriptor")
            if font.get("/Subtype") != "/Type3" and (descriptor is None or not any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))):
                missing.add(str(font.get("/BaseFont", name)))
    return [f"the font {font} is not embedded" for font in sorted(missing)]


def _press_ready(pdf, variant: str) -> list[str]:
    found = []
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if not intents or "/DestOutputProfile" not in intents[0]:
        found.append("there is no output intent with a CMYK profile (the layout's CSS must keep its "
                     "`@color-profile device-cmyk` rule)")
    elif int(intents[0].DestOutputProfile.get("/N", 0)) != 4:
        found.append("the output intent's profile is not CMYK")
    if "/ID" not in pdf.trailer:
        found.append("the file has no /ID")
    for number, page in enumerate(pdf.pages, 1):
        boxes = {name: [float(v) for v in page.obj[name]] for name in ("/MediaBox", "/TrimBox", "/BleedBox")
                 if name in page.obj}
        if "/TrimBox" not in boxes:
            found.append(f"page {number} has no TrimBox")
        elif not _inside(boxes["/TrimBox"], boxes.get("/BleedBox", boxes["/MediaBox"])) or not _inside(
                boxes.get("/BleedBox", boxes["/TrimBox"]), boxes["/MediaBox"]):
            found.append(f"page {number}: the TrimBox is not inside the BleedBox inside the MediaBox")
        annotations = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") not in ("/PrinterMark", "/TrapNet")]
        if annotations:
            found.append(f"page {number} has annotations (links) in the printed area")
    if variant == "pdf/x-1a":
        found += _only_cmyk(pdf)
    return found


def _inside(inner: list[float], outer: list[float]) -> bool:
    (a0, a1), (b0, b1) = sorted(inner[0::2]), sorted(inner[1::2])
    (c0, c1), (d0, d1) = sorted(outer[0::2]), sorted(outer[1::2])
    return c0 - 0.01 <= a0 and a1 <= c1 + 0.01 and d0 - 0.01 <= b0 and b1 <= d1 + 0.01


def _only_cmyk(pdf) -> list[str]:
    """PDF/X-1a: no RGB anywhere (WeasyPrint leaves RGB images and any sRGB colour of the CSS as RGB)."""
    import pikepdf

    found = []
    if pdf.pdf_version > "1.4":
        found.append(f"PDF/X-1a is PDF 1.4 at most, this file is {pdf.pdf_version}")
    for font in sorted(_opentype_fonts(pdf)):
        found.append(f"the font {font} is embedded as OpenType, which PDF 1.4 cannot hold (choose `pdf/x-4`, "
                     "which KDP and IngramSpark accept, or TrueType fonts)")
    for number, page in enumerate(pdf.pages, 1):
        rgb = False
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op in ("rg", "RG") or (op in ("cs", "CS") and str(operands[0]) in _RGB_SPACES):
                rgb = True
                break
        for image in (page.obj.get("/Resources", {}).get("/XObject") or {}).values():
            space = image.get("/ColorSpace")
            if image.get("/Subtype") == "/Image" and (str(space) in _RGB_SPACES or (
                    isinstance(space, pikepdf.Array) and str(space[0]) == "/ICCBased" and int(space[1].get("/N", 0)) == 3)):
                rgb = True
            if image.get("/SMask") is not None:
                found.append(f"page {number} has a transparent image, which PDF/X-1a does not allow")
        if rgb:
            found.append(f"page {number} uses RGB colour; PDF/X-1a allows only CMYK and grey (use "
                         "`device-cmyk()` in the layout's CSS and CMYK images)")
    return found


def _opentype_fonts(pdf) -> set[str]:
    found = set()
    for page in pdf.pages:
        for font in (page.obj.get("/Resources", {}).get("/Font") or {}).values():
            owner = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
            program = owner.get("/FontDescriptor", {}).get("/FontFile3")
            if program is not None and program.get("/Subtype") == "/OpenType":
                found.add(str(font.get("/BaseFont")))
    return found


def _accessible(pdf) -> list[str]:
    found = []
    root = pdf.Root
    if "/StructTreeRoot" not in root:
        found.append("the PDF is not tagged (no structure tree)")
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        found.append("the PDF is not marked as tagged (/MarkInfo /Marked true)")
    if not str(root.get("/Lang", "")).strip():
        found.append("the PDF has no language (/Lang)")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        found.append("viewers are not told to show the title (/DisplayDocTitle)")
    return found
