"""SimHash near-duplicate fingerprint on real ANT stories."""

from worker.extract.fingerprint import NEAR_DISTANCE, hamming, near_duplicate, simhash

# Al Arabiya, 8 May 2018 (ANT corpus), first paragraphs.
STORY = (
    "استنفرت ميليشيا الحوثي عناصرها في شوارع العاصمة صنعاء، وذلك عقب استهداف طيران تحالف دعم الشرعية مكتب "
    "رئاسة الجمهورية بغارات أمس الاثنين.\n"
    "وأفادت مصادر محلية أن الميليشيات استحدثت عدداً من النقاط الأمنية في العاصمة ونشرت عناصرها في عدة شوارع "
    "هامة وحيوية.\n"
    "كما فرضت الميليشيات حراسة مشددة على مستشفيات نقل إليها قتلى وجرحى جراء الغارات وسط تكتم على هوياتهم، "
    "فيما أعلن المتحدث باسم تحالف دعم الشرعية في اليمن العقيد تركي المالكي أن الغارات استهدفت قيادات حوثية "
    "من الصف الأول والثاني في صنعاء.\n"
    "وكانت الميليشيات الحوثية قد أعلنت عن مقتل 6 أشخاص في الغارات ونفت أن يكون بينهم أي من القيادات الكبرى."
)
# The same story as another outlet would run it: dateline, a few words changed, spelling variants.
SYNDICATED = (
    "صنعاء (وكالات) - استنفرت ميليشيا الحوثي عناصرها في شوارع العاصمة صنعاء عقب استهداف طيران تحالف دعم "
    "الشرعية مكتب رئاسة الجمهورية بغارات يوم الاثنين.\n"
    "وافادت مصادر محلية ان الميليشيات استحدثت عددا من النقاط الامنية في العاصمة ونشرت عناصرها في شوارع "
    "هامة وحيوية.\n"
    "كما فرضت الميليشيات حراسة مشددة على مستشفيات نقل اليها قتلى وجرحى جراء الغارات وسط تكتم على هوياتهم، "
    "فيما اعلن المتحدث باسم تحالف دعم الشرعية في اليمن العقيد تركي المالكي ان الغارات استهدفت قيادات حوثية "
    "من الصف الاول والثاني في صنعاء.\n"
    "وكانت الميليشيات الحوثية اعلنت مقتل 6 اشخاص في الغارات ونفت ان يكون بينهم أي من القيادات الكبرى."
)
# Al Arabiya, 6 May 2018 (ANT corpus): a different story on a related topic.
OTHER = (
    "أفادت مصادر عسكرية أن ما لا يقل عن 30 من عناصر ميليشيات الحوثي الانقلابية قتلوا بينهم القيادي الحوثي "
    "أبوناصر الحمزي، قائد القناصة في جبهة مفرق المخا بمنطقة البرح شمال غربي محافظة تعز في مواجهات مع قوات "
    "الجيش اليمني.\n"
    "وإلى الشمال من منطقة مفرق المخاء، اندلعت صباح الأحد مواجهات عنيفة بين قوات الجيش الوطني والمقاومة من "
    "جهة وميليشيات الحوثي من جهة أخرى شرق مديرية حيس جنوب محافظة الحديدة."
)
UNRELATED = (
    "يبدو أن الصراع بين المدربين الأربعة في برنامج ذا فويس سيشهد تحدياً من نوع خاص، والهدف في النهاية هو "
    "الفوز بأجمل الأصوات من أجل المنافسة على لقب الموسم الرابع من البرنامج الذي يعرض عبر شاشة مصر."
)


def test_format_is_16_hex_digits():
    h = simhash(STORY)
    assert len(h) == 16 and int(h, 16) >= 0
    assert simhash(STORY) == h  # deterministic across calls (no Python hash randomisation)


def test_syndicated_copy_is_near_and_other_stories_are_far():
    a, b = simhash(STORY), simhash(SYNDICATED)
    assert near_duplicate(a, b), hamming(a, b)
    assert not near_duplicate(a, simhash(OTHER)), hamming(a, simhash(OTHER))
    assert hamming(a, simhash(UNRELATED)) > NEAR_DISTANCE
    assert hamming(a, b) < hamming(a, simhash(OTHER))


def test_empty_text_is_never_a_duplicate():
    assert simhash("") == "0" * 16
    assert not near_duplicate(simhash(""), simhash(""))
    assert not near_duplicate(None, simhash(STORY))


def test_hamming():
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("00000000000000ff", "000000000000000f") == 4


def test_simhash_is_the_column_majority_of_the_feature_hashes():
    """Independent re-computation: bit k is set when more than half of the word hashes set it."""
    import hashlib

    from worker.extract.fingerprint import _features, simhash
    from worker.extract.normalize import fold

    text = "قالت وزارة الدفاع إن القوات سيطرت على المدينة بعد معارك عنيفة مع المسلحين والمسلحين في المدينة"
    feats = _features(fold(text))
    hashes = [int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big") for f in feats]
    want = sum(1 << k for k in range(64) if sum((h >> k) & 1 for h in hashes) > len(hashes) / 2)
    assert simhash(text) == f"{want:016x}"
