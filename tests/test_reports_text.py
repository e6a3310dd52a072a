"""reports.text: the one place typed text becomes Paragraph markup."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as hs
from pypdf import PdfReader
from reportlab.platypus import Paragraph, SimpleDocTemplate

from reports.styles import BOLD, FALLBACK, REGULAR, styles
from reports.text import PLACEHOLDER, markup, plain


def test_markup_characters_are_escaped():
    assert markup("O'Brien <b>& Søren") == "O'Brien &lt;b&gt;&amp; Søren"
    assert "<" not in markup("</para><font name=x>").replace("&lt;", "")


def test_cjk_goes_to_the_fallback_font():
    assert markup("李雷") == f'<font name="{FALLBACK}">李雷</font>'
    assert markup("Ωmega Zoë") == "Ωmega Zoë"  # DejaVu has Greek and Latin accents


def test_emoji_and_joined_sequences_become_one_placeholder():
    assert markup("ok 😀👨‍👩‍👧 done") == f"ok {PLACEHOLDER} done"


def test_arabic_is_shaped_into_presentation_forms_in_visual_order():
    out = markup("مرحبا")
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in out)  # joined forms, drawable by DejaVu
    assert len(out) == 5


def test_control_characters_dropped_and_newlines_kept():
    assert markup("a\x00b\x07c\nd\te") == "abc<br/>d e"


def test_face_without_a_glyph_borrows_the_regular_face():
    # U+1D56C (mathematical bold fraktur) is outside the BMP: placeholder, not a blank box
    assert markup("\U0001d56c", BOLD) == PLACEHOLDER


def test_plain_for_metadata():
    assert plain("Zoë\x00 李\n") == "Zoë 李 "


@settings(max_examples=150, deadline=None)
@given(hs.text(max_size=80))
def test_any_text_renders_and_prints_as_typed(text):
    st = styles()
    buf = io.BytesIO()
    SimpleDocTemplate(buf, invariant=1).build([Paragraph("[" + markup(text) + "]", st.body)])
    extracted = PdfReader(io.BytesIO(buf.getvalue())).pages[0].extract_text()
    assert "[" in extracted and "]" in extracted
    for word in text.split():
        if word.isascii() and word.isprintable() and len(word) > 2:
            assert word in extracted


def test_regular_face_registered():
    assert REGULAR == "DejaVuSans"
