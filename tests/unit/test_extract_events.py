"""Document-level event types with evidence."""

import pytest

from worker.extract.events import find_events


def types(title, body=""):
    return {e.type for e in find_events(title, body)}


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("وتدور اشتباكات حاليا بين بلدة أم المياذن ومدينة درعا", "armed_clash"),
        ("قتل 15 طفلا في غارة جوية استهدفت مدرسة في بلدة عربين", "airstrike"),
        ("تصدت الدفاعات الجوية لصاروخين إسرائيليين استهدفا منطقة الكسوة", "airstrike"),
        ("قصف الجيش الإسرائيلي، الأربعاء، مواقع تابعة لحركة حماس", "shelling"),
        ("هاجمت خلايا التنظيم بسيارة مفخخة حاجزا أمنيا", "bombing"),
        ("قتل مسلحون 11 سائقا بعدما أطلقوا النار عليهم", "armed_attack"),
        ("هاجمت خلايا التنظيم بوابة سجن الصناعة تزامنا مع استعصاء داخل السجن", "prison_attack"),
        ("وهرب السجين من نافذة سجن ذي حراسة ضعيفة", "prison_attack"),
        ("واختطف مسلحون مجهولون صحفيا في المدينة", "kidnapping"),
        ("ألقت الشرطة القبض على رجل بلغاري في ألمانيا", "arrest"),
        ("حُكم الجمعة في لندن على شابة بريطانية بالسجن مدى الحياة", "sentencing"),
        ("قضت محكمة جنايات الإسماعيلية بالإعدام شنقا على 13 متهما", "sentencing"),
        ("قبل أيام اغتيل اللواء محمد السعيد أمام منزله", "assassination"),
        ("وتواصلت الاحتجاجات ليل الثلاثاء في عمان ضد مشروع القانون", "protest"),
        ("وفرض حظر التجوال على كافة مناطق المدينة", "curfew"),
        ("انتهاك لاتفاق وقف إطلاق النار الذي وافقت عليه الفصائل", "ceasefire"),
        ("استمرار عملية التمشيط في مدينة الحسكة بحثا عن فارين", "security_sweep"),
        ("وأدى تقدم القوات الحكومية إلى نزوح آلاف العائلات", "displacement"),
        ("ضرب زلزال بقوة 6 درجات جنوب البلاد", "disaster"),
    ],
)
def test_each_type_from_a_real_style_sentence(text, etype):
    events = find_events("", text)
    assert etype in {e.type for e in events}
    ev = next(e for e in events if e.type == etype)
    assert ev.evidence and ev.evidence in text


def test_prison_in_a_court_sentence_is_sentencing_not_prison_attack():
    got = types("", "قضت المحكمة بالسجن المؤبد على المتهم في قضية اقتحام سجن وادي النطرون.")
    assert "sentencing" in got and "prison_attack" not in got
    got = types("", "ولا تحيط بالسجن أي أسوار، ويتمتع السجناء فيه بالهواتف.")
    assert got == set()


def test_ceasefire_is_not_a_shooting_and_warrants_are_not_arrests():
    assert types("", "أعلن الطرفان وقف إطلاق النار في المدينة.") == {"ceasefire"}
    assert types("", "أصدرت النيابة 205 مذكرات توقيف بحق عناصر الشبكة.") == set()


def test_hypotheticals_and_threats_are_skipped():
    assert types("", "هدد الجيش بشن غارات على مواقع المسلحين إذا لم ينسحبوا.") == set()
    assert types("", "وتسعى السلطات إلى تفادي عملية إجلاء سريعة.") == set()
    assert types("", "وكانت تنوي مهاجمة المتحف باستخدام أسلحة نارية وقنابل يدوية.") == set()


def test_interception_explosions_are_not_bombings():
    got = types("", "وسمع دوي انفجارات في سماء العاصمة بعد اعتراض الصاروخ.")
    assert "bombing" not in got


def test_one_event_per_type_and_title_counts():
    events = find_events("مقتل 5 في غارة جوية على إدلب", "وشنت الطائرات غارات أخرى على ريف المدينة.")
    assert [e.type for e in events].count("airstrike") == 1
    assert events[0].evidence == "مقتل 5 في غارة جوية على إدلب"


def test_generic_attack_only_without_specific_type():
    assert types("", "وأسفر الهجوم على الحافلة عن مقتل 4 أشخاص.") == {"armed_attack"}
    assert "armed_attack" not in types("", "وأسفر الهجوم بسيارة مفخخة عن مقتل 4 أشخاص.")


def test_metaphors_and_sport_are_not_violence():
    assert types("", "وتحتاج الصين لدعم الاتحاد الأوروبي في معاركها التجارية مع الرئيس الأميركي.") == set()
    assert types("", "أبناء المدرب خطفوا الأنظار رغم انتهاء الرحلة مبكرا.") == set()
    assert types("", "ميسي يقود برشلونة لخطف تعادل ثمين في المباراة.") == set()
    assert types("", "أدانت الحركة الضربة التي قامت بها ثلاث دول غربية.") == set()
    assert types("", "مر عهدها دون حدوث معارك بين مصر والدول المجاورة.") == set()


def test_conviction_needs_a_court():
    assert types("", "وأدانت المحكمة المتهم بتهمة القتل العمد.") == {"sentencing"}


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("إندونيسيا.. السجن 15عاما لرئيس البرلمان السابق", "sentencing"),
        ("سجن الحديدة ينتفض ضد ميليشيات الحوثي", "prison_attack"),
        ("فرار الآلاف من جنوب غربي سوريا تحسبا لهجوم القوات الحكومية", "displacement"),
    ],
)
def test_headline_forms(text, etype):
    assert etype in types(text)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("سقوط طائرة تركية في إيران بعد إقلاعها من الإمارات", "disaster"),
        ("مقتل 19 في انهيار سد بلاوس.. وآلاف في حاجة للإنقاذ", "disaster"),
        ("شاحنة تدهس عددا من المارة في تورنتو", "armed_attack"),
        ("الإمارات تعلن استشهاد 4 من جنودها في معركة الحديدة", "armed_clash"),
    ],
)
def test_accidents_rammings_and_battles(text, etype):
    assert etype in types(text)


@pytest.mark.parametrize(
    ("text", "etype"),
    [
        ("وقعت مواجهات دامية بين الجيش ومسلحين", "armed_clash"),
        ("قتال شرس في محيط المطار", "armed_clash"),
        ("قصفت طائرات التحالف مواقع للحوثيين", "airstrike"),
        ("قتل 3 بطائرة بدون طيار أمريكية", "airstrike"),
        ("أطلق مسلح النار على المصلين", "armed_attack"),
        ("حالات الاختفاء القسري تضاعفت", "kidnapping"),
        ("أصدرت المحكمة حكما بسجنه", "sentencing"),
        ("نفذت القوات عمليات دهم وتفتيش", "security_sweep"),
        ("غرق عبارة تقل 200 راكب", "disaster"),
    ],
)
def test_paraphrases(text, etype):
    assert etype in types(text)


def test_aircraft_bombardment_is_airstrike_not_shelling():
    got = types("قصفت طائرات التحالف مواقع للحوثيين")
    assert "airstrike" in got and "shelling" not in got


def test_hostages_and_seized_ships_are_not_arrests():
    assert "arrest" not in types("", "إطلاق نار واحتجاز رهائن داخل متجر فرنسي")
    assert "arrest" not in types("", "احتجز الحوثيون 19 سفينة في الميناء")
    assert "arrest" in types("", "وتم احتجاز الصحفيين في ديسمبر")


@pytest.mark.parametrize("text", [
    "أعلن مصدر رسمي أن هناك تقارير عن التوصل إلى وقف لإطلاق نار في جنوب سوريا.",
    "الأردن: اتفاق على وقف إطلاق نار في جنوب سوريا",
])
def test_indefinite_ceasefire_is_a_ceasefire_not_a_shooting(text):
    assert {e.type for e in find_events("", text)} == {"ceasefire"}


def test_a_space_launch_is_no_airstrike():
    assert not find_events("", "أطلقت ناسا صاروخا يحمل مسبارا إلى الشمس فجر اليوم.")
    assert {e.type for e in find_events("", "أطلق الحوثيون صاروخا باليستيا على جازان.")} == {"airstrike"}


@pytest.mark.parametrize(
    "text",
    [
        "وفرّ المهاجرون من مخيم الاحتجاز الأربعاء",  # a smugglers' camp is no prison (rulings)
        "واتهمها والدها بالعصيان فسجنت على إثرها",  # the verb "jailed", not a prison
        "وكانت المجموعة قد خططت لارتكاب اعتداءات لدى خروجهم من السجون",  # a plan
        "وهرب من السجن أيضا بعد الثورة عام 2011",  # a recalled escape
        "لم أهرب من الوطن بل هربت من شبح السجن",  # negated
        "كانوا مختبئين ويحاولون الهرب منها إلا أن المقاومة اعتقلت المعتقلين",  # detainees are not a facility
    ],
)
def test_prison_attack_needs_a_facility_and_a_reported_event(text):
    assert "prison_attack" not in types("", text)


def test_a_police_station_stormed_to_free_a_detainee_is_a_prison_attack():
    assert "prison_attack" in types("", "وكان مسلحون حاصروا قسم الشرطة أمس وقاموا بإطلاق سراح زميلهم")
    assert "prison_attack" in types("", "هرب 400 معتقل من أحد السجون")
    assert "prison_attack" not in types("", "وكان مسلحون حاصروا قسم الشرطة أمس")


def test_hostages_taken_inside_a_prison_are_a_prison_attack():
    assert "prison_attack" in types("", "احتجز سجناء ثلاثة حراس رهائن داخل سجن المدينة المركزي صباح اليوم")
    assert "prison_attack" in types("", "وأخذ المعتقلون اثنين من الموظفين كرهائن في السجن")
    # hostages killed by a cell that a prison is named beside: no taking inside it
    assert "prison_attack" not in types("", "وموقفها بشأن معتقل غوانتانامو بسبب خلية قتلت رهائن غربيين.")
    # hostages held elsewhere to free prisoners: no prison attack
    assert "prison_attack" not in types("", "احتجز مسلحون 20 رهينة في مصرف وسط المدينة وطالبوا بالإفراج عن سجناء")


def test_a_detention_facility_by_its_other_names():
    assert "prison_attack" in types("", "فر 12 موقوفا من مركز التوقيف في المدينة فجر اليوم")
    assert "prison_attack" in types("", "اقتحم مسلحون مركز اعتقال تديره الشرطة وأطلقوا سراح المحتجزين")
    assert "prison_attack" not in types("", "هاجم المشجعون النظارة في الملعب")


def test_prison_attack_is_not_fleeing_abroad_a_teaser_or_the_11_september_attacks():
    from worker.extract.events import find_events

    for text in ("التي سُجن العديد من قادتها أو فروا إلى خارج البلاد في أعقاب الاستفتاء.",
                 "عن سجون سرية في الخارج بعد هجمات 11 أيلول/سبتمبر وشهدت تلك السجون السرية تعذيبا",
                 "للمزيد: إصابة 3 حراس إثر هجوم نفذه سجين داخل سجن في الشمال"):
        assert "prison_attack" not in {e.type for e in find_events("", text)}
    assert "prison_attack" in {e.type for e in find_events("", "هرب 400 معتقل من أحد السجون بعد اشتباكات.")}


def test_a_riot_with_prisoners_as_the_side_fought_is_a_prison_attack():
    assert "prison_attack" in types("", "قتل ثلاثة حراس خلال مواجهة دامت يومين مع سجناء متمردين داخل سجن مركزي")
    assert "prison_attack" in types("", "لقي حارسان حتفهما على يد نزلاء غاضبين في سجن بالعاصمة")
    # prisoners and a prison, but no fight: a transfer, and deaths in custody are no attack
    assert "prison_attack" not in types("", "نقلت السلطات مئات السجناء من سجن مكتظ إلى سجن جديد")
    assert "prison_attack" not in types("", "توفي سجين في زنزانته بعد إضرابه عن الطعام")
    assert "prison_attack" not in types("", "تعيين مرشدين من أجل مواجهة التطرف الذي ينتشر داخل السجون")


def test_a_prison_stormed_named_indefinite_is_a_prison_attack():
    """QA round 5 (alerts): "اقتحم مسلحون سجنا" and "هاجم مسلحون سجنا" gave no prison_attack (the indefinite
    accusative is no prison noun of the rule, since "سجنا" is also a sentence's "jailed for")."""
    assert "prison_attack" in types("", "اقتحم مسلحون سجنا في شمال البلاد فجر اليوم وقتلوا 6 من الحراس.")
    assert "prison_attack" in types("", "هاجم مسلحون سجنًا وحرروا عشرات المعتقلين.")
    assert "prison_attack" in types("", "واقتحموا مركزا للاحتجاز تديره الشرطة")
    # the re-test: a subject and a time between the verb and the prison, wire style, and a raid
    assert "prison_attack" in types("", "اقتحم مسلحون مجهولون فجر اليوم سجنا رئيسيا في مقديشو بعد تفجير جدار المبنى.")
    assert "prison_attack" in types("", "داهم مسلحون سجنا للنساء في المدينة.")
    # a clause boundary between them is no object
    assert "prison_attack" not in types("", "هاجم الرئيس خصومه في خطابه، وقال إنه قضى عامين سجنا.")
    # a sentence's "سجنا", and a storming verb with another object, stay what they were
    assert "prison_attack" not in types("", "وقضى عشر سنوات سجنا بعد أن هاجم الشرطة.")
    assert "prison_attack" not in types("", "اقتحم مسلحون منزلا وحكم على أحدهم لاحقا بالسجن عاما.")


def test_a_prison_named_as_a_landmark_is_no_prison_attack():
    """QA round 5 re-test (qa5r2-4): "اقتحم مسلحون مطعما قرب السجن المركزي" fired prison_attack through the
    attack word + facility rule: the prison only placed the restaurant."""
    assert "prison_attack" not in types("", "اقتحم مسلحون مطعما قرب السجن المركزي في بنغازي وقتلوا 3 أشخاص.")
    assert "prison_attack" not in types("", "هاجم مسلحون حاجزا للشرطة بالقرب من سجن المدينة.")
    assert "prison_attack" not in types("", "وقع هجوم على سوق شعبي على مقربة من سجن أبو سليم.")
    # the prison itself attacked, with a landmark after it, and a prisoner escape placed near a town, still count
    assert "prison_attack" in types("", "اقتحم مسلحون السجن المركزي قرب بنغازي وقتلوا 3 حراس.")
    assert "prison_attack" in types("", "فر عشرات السجناء من سجن قرب العاصمة بعد هجوم مسلح.")
    # in front of a prison is at it: an assault at its gate
    assert "prison_attack" in types("", "هاجم مسلحون الحراس أمام بوابة السجن المركزي وقتلوا اثنين.")
