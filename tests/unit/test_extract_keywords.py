"""Key phrases with the shipped IDF table."""

from worker.extract.keywords import find_keywords, load_idf, load_stopwords
from worker.extract.normalize import fold

TITLE = "الحوثي يتكتم على هوية ضحايا غارات التحالف بصنعاء"
BODY = (
    "استنفرت ميليشيا الحوثي عناصرها في شوارع العاصمة صنعاء، وذلك عقب استهداف طيران تحالف دعم الشرعية "
    "مكتب رئاسة الجمهورية بغارات أمس الاثنين.\n"
    "كما فرضت الميليشيات حراسة مشددة على مستشفيات نقل إليها قتلى وجرحى جراء الغارات وسط تكتم على هوياتهم، "
    "فيما أعلن المتحدث باسم تحالف دعم الشرعية في اليمن العقيد تركي المالكي أن الغارات استهدفت قيادات حوثية "
    "في صنعاء.\nوعن مواقع الغارات بالتفصيل، فقد استهدفت غارتان مكتب رئاسة الجمهورية في مركز المدينة."
)


def test_idf_table_is_shipped_and_sane():
    idf, idf_max = load_idf()
    assert len(idf) > 10000
    # a function word is far more common than a place name
    assert idf.get("في", 0.0) < idf.get("حسكه", idf_max)


def test_keywords_are_content_words_in_surface_form():
    kws = find_keywords(TITLE, BODY)
    assert 3 <= len(kws) <= 10
    folded = {fold(k) for k in kws}
    assert any("صنعاء" in k for k in folded)
    assert any("غارات" in k or "الغارات" in k for k in folded)
    stop = load_stopwords()
    assert not any(k in stop for k in folded)
    for k in kws:  # displayed as written (minus clitics), so every word occurs in the text
        for w in k.split():
            assert w in TITLE + BODY


def test_empty_input():
    assert find_keywords("", "") == []
