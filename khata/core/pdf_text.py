"""Hindi that reads back from a PDF as it was typed.

A PDF reader that copies or searches text maps each glyph code of a font to text through the font's
``ToUnicode`` table: one text per code. WeasyPrint writes the glyph's own id as its code and keeps the
first text a glyph was drawn for. Latin and Cyrillic have one glyph per letter, so that is enough; in
Devanagari a syllable (a cluster) is shaped into several glyphs, reordered, and the same glyph stands
in different syllables (the reph ``र्`` over any consonant, a half form, a pre-base vowel sign). WeasyPrint
gives the whole syllable's text to one glyph of it and nothing to the others, so the second syllable
that uses that glyph reads as the first one did: "पूर्णता" came back as "पूर्यता".

The fix: when a glyph is drawn for a text other than the one its code already stands for, it is drawn
under a code of its own (an alias, above the font's glyph ids), whose ``ToUnicode`` entry is that text
and whose ``CIDToGIDMap`` entry points back at the real glyph. The page looks the same, and every
reader that goes by ``ToUnicode`` (pypdf, pdf.js, Chrome's viewer) reads the syllables as typed.
Each Indic line is also wrapped in an ``/ActualText`` span holding the line as typed, which readers
that honour it (poppler's ``pdftotext``, Acrobat) use whole.

Only lines with Indic letters are touched, only TrueType fonts get aliases (a CFF font has no
``CIDToGIDMap``), and a line WeasyPrint ellipsizes is left as it is.
"""

from __future__ import annotations

from typing import Any

import pydyf
import weasyprint.draw.text as weasyprint_text
import weasyprint.pdf.fonts as weasyprint_fonts
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

# Aliases start this far above a font's last glyph: WeasyPrint numbers the stand-ins for characters
# a font lacks from the last glyph up, and they must never meet.
ALIAS_GAP = 1024


def is_indic(text: str) -> bool:
    """Whether the text has letters of the Indic scripts (Devanagari to Sinhala)."""
    return any("\u0900" <= ch <= "\u0dff" for ch in text)


def _glyph_width(stream: Any, font: Any, pango_font: Any, glyph_id: int, font_size: float) -> int:
    """The glyph's advance as WeasyPrint records it (thousandths of the font size)."""
    if glyph_id not in font.widths:
        pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
        font.widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
    return int(font.widths[glyph_id])


def _alias(font: Any, glyph_id: int, text: str) -> int:
    """The code the glyph is drawn under for ``text``: its own id, or an alias of it."""
    known = font.to_unicode.get(glyph_id)
    if known is None:
        font.to_unicode[glyph_id] = text  # what WeasyPrint would record, recorded now for the line
        return glyph_id
    if known == text:
        return glyph_id
    aliases: dict[tuple[int, str], int] = font.__dict__.setdefault("khata_aliases", {})
    targets: dict[int, int] = font.__dict__.setdefault("khata_alias_targets", {})
    key = (glyph_id, text)
    if key not in aliases:
        alias = font.glyph_count + ALIAS_GAP + len(aliases)
        if alias > 0xFFFF:
            return glyph_id  # out of codes: read as WeasyPrint would
        aliases[key] = alias
        targets[alias] = glyph_id
        font.widths[alias] = font.widths[glyph_id]
        font.to_unicode[alias] = text
    return aliases[key]


def _alias_line(stream: Any, textbox: Any) -> list[tuple[Any, int]]:
    """Give the glyphs of a line their codes; the (glyph, original id) pairs to put back."""
    layout = textbox.pango_layout
    # WeasyPrint sets this before it reads the line; set first, so its call changes nothing and
    # the line read here is the line it draws.
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _index = layout.get_first_line()
    utf8_text = layout.text.encode()
    changed: list[tuple[Any, int]] = []
    run = first_line.runs[0] if first_line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        font, font_size = stream.add_font(pango_font)
        if font.bitmap or font.type != "ttf":
            continue
        if pango.pango_version() < 14802 or font.png:
            font_size = textbox.style["font_size"]
        glyphs = glyph_item.glyphs
        count = glyphs.num_glyphs
        clusters = glyphs.log_clusters
        offset = glyph_item.item.offset
        rtl = glyph_item.item.analysis.level % 2
        for i in range(count):
            info = glyphs.glyphs[i]
            glyph_id = info.glyph
            if glyph_id == pango.PANGO_GLYPH_EMPTY or glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                continue
            # The same slice of the line WeasyPrint gives this glyph (see draw_first_line).
            start = clusters[i]
            if rtl:
                end = glyph_item.item.length if i == 0 else clusters[i - 1]
            else:
                end = glyph_item.item.length if i == count - 1 else clusters[i + 1]
            text = utf8_text[offset + start : offset + end].decode()
            _glyph_width(stream, font, pango_font, glyph_id, font_size)
            alias = _alias(font, glyph_id, text)
            if alias != glyph_id:
                info.glyph = alias
                changed.append((info, glyph_id))
    return changed


def _draw_line(stream: Any, textbox: Any, text_overflow: Any, block_ellipsis: Any, *args: Any) -> Any:
    """Draw a line as WeasyPrint does; an Indic line with aliases and its text as typed."""
    if not is_indic(textbox.text):
        return _weasyprint_draw_line(stream, textbox, text_overflow, block_ellipsis, *args)
    changed: list[tuple[Any, int]] = []
    if text_overflow != "ellipsis" and block_ellipsis == "none":
        changed = _alias_line(stream, textbox)
    stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": pydyf.String(textbox.text)}))
    try:
        return _weasyprint_draw_line(stream, textbox, text_overflow, block_ellipsis, *args)
    finally:
        stream.end_marked_content()
        for info, glyph_id in changed:
            info.glyph = glyph_id


def _font_dictionary(font_dictionary: Any, pdf: Any, font: Any, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint's font dictionary; with aliases, a CIDToGIDMap that points them at their glyphs."""
    result = _weasyprint_font_dictionary(font_dictionary, pdf, font, *args, **kwargs)
    targets: dict[int, int] = font.__dict__.get("khata_alias_targets", {})
    if targets and font.type == "ttf":
        last = max(targets)
        mapping = bytearray()
        for cid in range(last + 1):
            mapping += targets.get(cid, cid if cid < font.glyph_count else 0).to_bytes(2, "big")
        stream = pydyf.Stream([bytes(mapping)], compress=True)
        pdf.add_object(stream)
        descendant = font_dictionary["DescendantFonts"][0]
        number = int(descendant.split()[0])
        pdf.objects[number]["CIDToGIDMap"] = stream.reference
    return result


def _install() -> None:
    """Put the two hooks in WeasyPrint once (a reload of this module keeps WeasyPrint's own below)."""
    global _weasyprint_draw_line, _weasyprint_font_dictionary
    current_draw = weasyprint_text.draw_first_line
    current_fonts = weasyprint_fonts._build_vector_font_dictionary
    _weasyprint_draw_line = getattr(current_draw, "khata_original", current_draw)
    _weasyprint_font_dictionary = getattr(current_fonts, "khata_original", current_fonts)
    _draw_line.khata_original = _weasyprint_draw_line  # type: ignore[attr-defined]
    _font_dictionary.khata_original = _weasyprint_font_dictionary  # type: ignore[attr-defined]
    weasyprint_text.draw_first_line = _draw_line
    weasyprint_fonts._build_vector_font_dictionary = _font_dictionary


_weasyprint_draw_line: Any = None
_weasyprint_font_dictionary: Any = None
_install()
