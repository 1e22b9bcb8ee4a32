"""Quotes and speakers."""

from worker.extract.quotes import find_quotes


def test_reported_speech_with_speaker_and_circumstantial_phrase():
    text = 'من جانبه، قال مستشار الأمن القومي الأميركي جاك سوليفان، في بيان، إن بلاده "تشيد" بالقوات.'
    (q,) = find_quotes(text)
    assert q.speaker == "مستشار الأمن القومي الأميركي جاك سوليفان"
    assert q.text.startswith("بلاده")


def test_guillemet_quote_and_speaker_carried_to_wa_adaf():
    text = "وقال وزير الخارجية إن الحل سياسي. وأضاف: «لن نتراجع عن موقفنا»."
    qs = find_quotes(text)
    assert [q.speaker for q in qs] == ["وزير الخارجية", "وزير الخارجية"]
    assert qs[1].text == "لن نتراجع عن موقفنا"


def test_quoted_speaker_name():
    (q,) = find_quotes('وقالت "قسد" إن مخطط الهجوم تم وضعه خارج سورية.')
    assert q.speaker == "قسد"
    assert q.text.startswith("مخطط الهجوم")


def test_no_speech_verb_no_quote():
    assert find_quotes("وشنت الطائرات غارات على المدينة.") == []


def test_speaker_phrase_stops_at_time_words_and_inner_quotes():
    (q,) = find_quotes("وقال المرصد السوري لحقوق الإنسان السبت إن قوات النظام تقدمت.")
    assert q.speaker == "المرصد السوري لحقوق الإنسان"
    (q,) = find_quotes('وقال مصدر دبلوماسي فرنسي "نريد تفادي الأسوأ".')
    assert (q.speaker, q.text) == ("مصدر دبلوماسي فرنسي", "نريد تفادي الأسوأ")


def test_participle_of_saying_is_not_a_speaker():
    (q,) = find_quotes('وتابع قائلا "هي وعدد من الزملاء يعتقدون ذلك".')
    assert q.text == "هي وعدد من الزملاء يعتقدون ذلك"
    assert q.speaker != "قائلا"


def test_a_quoted_name_inside_the_speaker_is_kept_whole():
    # the short form in brackets is part of the name, as annotators write it ("وكالة الأنباء الرسمية (سانا)")
    (q,) = find_quotes('أعلنت جماعة "جبهة الوادي" (جو)، الإثنين، أنها سيطرت على المعبر.')
    assert q.speaker == "جماعة جبهة الوادي (جو)"
    (q,) = find_quotes('وأعلن المكتب الإعلامي لـ"جبهة الوادي"، أن القتال انتهى.')
    assert q.speaker == "المكتب الإعلامي لـجبهة الوادي"


def test_speaker_apposition_and_trailing_words():
    (q,) = find_quotes("وقال وزير الطاقة، سامي الناصر، إن الإمدادات مستقرة.")
    assert q.speaker == "وزير الطاقة، سامي الناصر"
    (q,) = find_quotes("وقال الوزير، أمس، إن الإمدادات مستقرة.")
    assert q.speaker == "الوزير"
    (q,) = find_quotes("وقال الصدر على تويتر إن الحكومة ستتشكل قريبا.")
    assert q.speaker == "الصدر"


def test_no_stated_subject_continues_the_previous_speaker():
    qs = find_quotes("وقال المتحدث باسم الشرطة إن التحقيق مستمر. وأكد أن لا إصابات بين المدنيين.")
    assert [q.speaker for q in qs] == ["المتحدث باسم الشرطة", "المتحدث باسم الشرطة"]
    # relayed speech goes to its source (guidelines: "قالت X نقلا عن Y" -> Y)
    (q,) = find_quotes("وذكرت نقلا عن مصادر أن المفاوضات متعثرة.")
    assert q.speaker == "مصادر"


def test_present_tense_verb_of_saying():
    (q,) = find_quotes("ويقول المرصد السوري إن الاشتباكات مستمرة منذ الصباح.")
    assert (q.speaker, q.text) == ("المرصد السوري", "الاشتباكات مستمرة منذ الصباح.")


def test_participle_after_a_quote_opens_a_new_one_and_ends_the_first():
    qs = find_quotes("وقال المتحدث إن القصف استهدف المدينة، مضيفا أن عشرة مدنيين أصيبوا في الهجوم.")
    assert [(q.speaker, q.text) for q in qs] == [
        ("المتحدث", "القصف استهدف المدينة"), ("المتحدث", "عشرة مدنيين أصيبوا في الهجوم.")]


def test_a_noun_object_is_not_speech_but_a_later_verb_in_the_sentence_is():
    (q,) = find_quotes("وأعلن الجيش اعتقال خمسة مسلحين، وقال الناطق باسمه إن العملية مستمرة.")
    assert (q.speaker, q.text) == ("الناطق باسمه", "العملية مستمرة.")


def test_unclosed_quotation_runs_to_the_end_of_the_sentence():
    (q,) = find_quotes('وأضاف الوزير: "لن نتراجع عن موقفنا مهما كانت الضغوط')
    assert q.text == "لن نتراجع عن موقفنا مهما كانت الضغوط"


def test_relayed_speech_goes_to_the_source_and_attribution_after_content_is_no_quote():
    (q,) = find_quotes("ونقلت الوكالة عن وزير الداخلية قوله إن الأمن مستتب.")
    assert q.speaker == "وزير الداخلية"
    assert find_quotes("والوضع مستقر، كما يقول السكان.") == []


def test_a_place_after_the_speaker_is_kept_a_statement_is_not():
    (q,) = find_quotes("وقال مصدر في وزارة الصحة في بيان إن الحصيلة ارتفعت.")
    assert q.speaker == "مصدر في وزارة الصحة"
    (q,) = find_quotes("وقال جونسون لنواب البرلمان إن الأدلة واضحة.")
    assert q.speaker == "جونسون"


def test_an_apposition_is_part_of_the_speaker_up_to_an_adverbial():
    (q,) = find_quotes("قال السفير السعودي لدى اليمن، محمد آل جابر، السبت، إن الميليشيات تحتجز السفن.")
    assert q.speaker == "السفير السعودي لدى اليمن، محمد آل جابر"
    (q,) = find_quotes("وقالت بشرى الرويسي، محامية الناشطين لوكالة رويترز إن هذه الأحكام جائرة.")
    assert q.speaker == "بشرى الرويسي، محامية الناشطين"
    # the guidelines' whole subject noun phrase: a title after the name, with what it is in charge of
    (q,) = find_quotes('وقال اللواء جميل الشمري، المسؤول عن العمليات في المدينة: "أصيب 30 فردا".')
    assert q.speaker == "اللواء جميل الشمري، المسؤول عن العمليات في المدينة"
    # an anonymous source's clause is no apposition, and its verb is no verb of saying
    (q,) = find_quotes("وقال مسؤول، طلب عدم نشر اسمه، إن الهجوم وقع فجرا.")
    assert q.speaker == "مسؤول"
    (q,) = find_quotes('وأكد مصدر في وزارة الصحة لم يكشف هويته لـ"فرانس برس" أن إطلاق النار وقع أمام المبنى.')
    assert q.text.startswith("إطلاق النار") and q.speaker is not None and "هويته" not in q.speaker


def test_the_name_ali_is_no_preposition_and_a_description_with_an_is_kept():
    (q,) = find_quotes("من جانبه، أكد قائد اللواء 19 علي صالح الكليبي، أن المليشيات تتكبد خسائر.")
    assert q.speaker == "قائد اللواء 19 علي صالح الكليبي"
    (q,) = find_quotes("وقال وزير الدفاع على هامش المؤتمر إن الهجوم فشل.")
    assert q.speaker == "وزير الدفاع"
    (q,) = find_quotes("وقال بيان صادر عن الحزب إن الأموال صودرت.")
    assert q.speaker == "بيان صادر عن الحزب"


def test_an_after_a_verb_of_saying_is_about_not_from_but_on_the_tongue_of_is_relayed():
    (q,) = find_quotes("وقال ترامب عن كيم إنه رجل ذكي.")
    assert q.speaker == "ترامب"
    (q,) = find_quotes('ونقلت الوكالة على لسان بهرام قاسمي، المتحدث باسم الخارجية، قوله: "القنصلية أحرقت".')
    assert q.speaker == "بهرام قاسمي، المتحدث باسم الخارجية"
    (q,) = find_quotes("ونقلت الوكالة عن بعض السكان تأكيدهم أن المرأة عادت.")
    assert q.speaker == "بعض السكان"


def test_a_subject_before_its_verb_is_the_speaker():
    (q,) = find_quotes("لكن السفارة الروسية في لندن قالت في بيان إن الرسالة مزورة.")
    assert q.speaker == "السفارة الروسية في لندن"
    (q,) = find_quotes("إلا أن المرصد السوري أوضح أن المفاوضات مستمرة.")
    assert q.speaker == "المرصد السوري"


def test_with_names_a_verb_without_subject_goes_to_the_subject_of_the_sentence_or_the_last_one_named():
    text = "وقال المتحدث باسم الشرطة إن التحقيق مستمر. وفر بلحاج من بلده عام 2001، وقال إن الاستخبارات رحلته."
    names = [(text.index("بلحاج"), text.index("بلحاج") + len("بلحاج"))]
    assert [q.speaker for q in find_quotes(text)] == ["المتحدث باسم الشرطة", "المتحدث باسم الشرطة"]
    assert [q.speaker for q in find_quotes(text, names=names)] == ["المتحدث باسم الشرطة", "بلحاج"]
    text = "وقال الوزير إن الحدود مغلقة. واتهم عبداللطيف جماعة الإخوان بالاختراق. وأضاف أن الموقع عاد."
    names = [(text.index("عبداللطيف"), text.index("عبداللطيف") + len("عبداللطيف"))]
    assert [q.speaker for q in find_quotes(text, names=names)] == ["الوزير", "عبداللطيف"]
    # a name after a preposition is not the subject ("جاء ذلك في تغريدات لعمرو موسى")
    text = "وقال الوزير إن الحدود مغلقة. جاء ذلك في تغريدات لعمرو موسى حيث قال إن العالم فقد صديقا."
    names = [(text.index("عمرو"), text.index("عمرو") + len("عمرو موسى"))]
    assert find_quotes(text, names=names)[-1].speaker == "الوزير"


def test_a_statements_content_is_its_authors_quote():
    qs = find_quotes("وجاء في بيان للجيش الإسرائيلي أنه نفذ غارات على أهداف في القطاع، موضحا أن القبة اعترضت قذائف.")
    assert [q.speaker for q in qs] == ["الجيش الإسرائيلي", "الجيش الإسرائيلي"]
    (q,) = find_quotes("وجاء في بيان صادر عن وزارة الداخلية أن الهجوم أسفر عن مقتل جنديين.")
    assert q.speaker == "وزارة الداخلية"
    # "جاء" without "في" is a verb of motion: it neither quotes nor ends the speaker phrase of another verb
    (q,) = find_quotes("وأكد الوزير الذي جاء إلى المدينة أن الوضع هادئ.")
    assert q.speaker == "الوزير"


def test_fronted_subjects_after_kana_and_amma_and_adverbials_of_the_speakers_own():
    (q,) = find_quotes("وكان مكتب السيدة الأولى قد أعلن في 14 مايو أن ميلانيا بخير.")
    assert q.speaker == "مكتب السيدة الأولى"
    (q,) = find_quotes("أما رئيس الوزراء الياباني، آبي فقال إنه طلب المساعدة.")
    assert q.speaker == "رئيس الوزراء الياباني، آبي"
    (q,) = find_quotes("وقال شاين في التماسه إن القانون قديم.")
    assert q.speaker == "شاين"
    (q,) = find_quotes("وأكد برينان للكونغرس في أيار/مايو 2017 أنه لا يشك في المصدر.")
    assert q.speaker == "برينان"
    (q,) = find_quotes('وقال المصدر "تم اكتشاف الخلية".')  # a described source, not a pronoun
    assert q.speaker == "المصدر"


def test_third_round_cuts_an_age_a_time_phrase_and_keeps_al_amin_al_am():
    (q,) = find_quotes("وقالت ايموجين تيرهارن، 28 سنة، إن الرسائل كانت مزعجة.")
    assert q.speaker == "ايموجين تيرهارن"
    (q,) = find_quotes("وأكد صالحي الشهر الماضي أن المصنع جاهز للعمل.")
    assert q.speaker == "صالحي"
    (q,) = find_quotes("وقال الأمين العام للأمم المتحدة إن الوضع خطير.")
    assert q.speaker == "الأمين العام للأمم المتحدة"
    (q,) = find_quotes("ونوه الرئيس الأميركي بأن العقوبة رادعة لتجار المخدرات.")
    assert q.speaker == "الرئيس الأميركي"
    # a comma ends a subject fronted after لكن: "لكن غيرسدورف، أثارت مفاجأة عندما أعلنت" is no speaker phrase
    (q,) = find_quotes("لكن غيرسدورف، أثارت مفاجأة عندما أعلنت أنها عينت القاضي.")
    assert q.speaker != "غيرسدورف، أثارت مفاجأة عندما"


def test_fourth_round_kama_at_the_head_a_day_before_the_subject_and_trailing_manner():
    # "كما" opening a sentence is "also", not an attribution after the content ("..., كما قال الوزير")
    (q,) = find_quotes("كما أعلنت الاثنين مجموعة ليما أنها استدعت سفراءها.")
    assert q.speaker == "مجموعة ليما"
    assert find_quotes("والوضع هادئ، كما قال الوزير أمس في المدينة.") == []
    (q,) = find_quotes("وكتب هولاند في كتابه أن الرئاسة أنهكته.")
    assert q.speaker == "هولاند"
    (q,) = find_quotes("وقال مصدر من المعارضة طالبا عدم الكشف عن اسمه إن المفاوضات توقفت.")
    assert q.speaker == "مصدر من المعارضة"
    (q,) = find_quotes("وقال شهود عيان فلسطينيون من جهتهم إن الطائرات قصفت أرضا زراعية.")
    assert q.speaker == "شهود عيان فلسطينيون"


def _span(text: str, name: str) -> tuple[int, int]:
    at = text.index(name)
    return (at, at + len(name))


# QA round 3, items 4, 5 and 13: a speaker is a named or described person or organisation, never a fragment
# (of the quote, a clause, a preposition or an adverb) and never null when the sentence names one; a quoted
# name or term is no quote


def test_a_quotation_mark_right_after_the_verb_opens_the_quote_even_with_an_an_inside():
    text = 'وقالت سلمى إنها حزينة جدا على فراقها. وتضيف "ما زلت أنتظر أنها ستعود قريبا بضحكتها".'
    qs = find_quotes(text)
    assert [q.speaker for q in qs] == ["سلمى", "سلمى"]
    assert qs[1].text == "ما زلت أنتظر أنها ستعود قريبا بضحكتها"
    (q,) = find_quotes('وقال الوزير إن الوضع هادئ. وأضاف "والمهم هو أنه لا تراجع عن الخطة".')[1:]
    assert (q.speaker, q.text) == ("الوزير", "والمهم هو أنه لا تراجع عن الخطة")


def test_an_outlet_in_quotation_marks_after_la_is_the_audience_not_part_of_the_speaker():
    (q,) = find_quotes('وقالت المصادر لـ"سكاي نيوز عربية" إن المسلحين خطفوا المسؤول.')
    assert q.speaker == "المصادر"
    (q,) = find_quotes('وأضاف متحدث باسم الوزارة لـ"فرانس برس" "إن السفينة في طريقها إلى الميناء".')
    assert q.speaker == "متحدث باسم الوزارة"
    (q,) = find_quotes('وقال المكتب الإعلامي لـ"جبهة الوادي" إن القتال انتهى.')
    assert q.speaker == "المكتب الإعلامي لـجبهة الوادي"


def test_a_quoted_outlet_or_medium_is_a_name_not_the_quote():
    (q,) = find_quotes('وقال الوزير في تصريح لوكالة "الأنباء": "هناك أفكار جديدة على الطاولة".')
    assert (q.speaker, q.text) == ("الوزير", "هناك أفكار جديدة على الطاولة")
    (q,) = find_quotes('وقال الوزير على "تويتر" إن الألغام تظهر وحشيتهم.')
    assert (q.speaker, q.text) == ("الوزير", "الألغام تظهر وحشيتهم.")
    assert find_quotes('وأكد مصدر أمني وقوع التفجير وحصيلة القتلى، وذلك بحسب وكالة "رويترز".') == []


def test_a_quoted_name_inside_the_speaker_does_not_open_the_quote():
    (q,) = find_quotes('وقال أحد مستخدمي موقع "ويبو" الصيني للتواصل "تشعر آلاف الأمهات بالقلق. ويمكن أن يؤثر ذلك".')
    assert q.speaker == "أحد مستخدمي موقع ويبو الصيني للتواصل"
    assert q.text.startswith("تشعر آلاف الأمهات")


def test_a_quoted_term_or_name_is_no_quote():
    assert find_quotes('بريطانيا تكشف عن معلومة جديدة بقضية "الجاسوس الروسي"') == []
    assert find_quotes('واندلع الحراك بعد وفاة بائع سمك يدعى "سامي ناصر" داخل شاحنة.') == []
    assert find_quotes('وتشير الشكوى أيضا إلى استخدام القنابل العنقودية، إضافة إلى "الاختفاء القسري".') == []
    assert find_quotes('وفي فبراير، أعلنت "أرض الصومال" موافقتها على بناء القاعدة.') == []
    # the guidelines' prepositional object in quotation marks, however long
    assert find_quotes('وأشار رئيس البعثة إلى "زيادة مقلقة في عدد الوفيات في البحر".') == []
    # but content in quotation marks after أكد على is a quote
    (q,) = find_quotes('وأكد الوزير على "حرص الحكومة على تنويع علاقاتها".')
    assert (q.speaker, q.text) == ("الوزير", "حرص الحكومة على تنويع علاقاتها")
    # and a short quotation after a speaker stays one
    (q,) = find_quotes('وقال المتحدث في مؤتمر صحفي "لا تعليق".')
    assert (q.speaker, q.text) == ("المتحدث", "لا تعليق")


def test_a_speech_verb_in_a_relative_clause_of_the_speaker_is_part_of_it():
    (q,) = find_quotes('قال أحد المحررين في صحيفة "الأفق" التي يكتب بها سامر: "لم نصل إليه اليوم".')
    assert q.speaker == "أحد المحررين في صحيفة الأفق"
    assert q.text == "لم نصل إليه اليوم"


def test_a_negated_verb_of_saying_gives_no_quote():
    assert find_quotes("ولم تذكر الحكومة أي شيء عن الأثر الذي يمكن أن يحدثه القرار على السكان.") == []


def test_an_adverb_after_the_verb_is_no_speaker_the_subject_before_it_is():
    (q,) = find_quotes('وكانت صحيفة "الأفق" قد ذكرت مؤخرا أن الشركة باعت أسهمها.')
    assert q.speaker == "صحيفة الأفق"


def test_a_resumptive_pronoun_after_the_verb_is_not_the_speaker_the_subject_after_it_is():
    (q,) = find_quotes("في الوقت الذي أكدت فيه الحكومة السعودية أن الرجل غادر المبنى.")
    assert q.speaker == "الحكومة السعودية"
    (q,) = find_quotes("وقالت عنه مجلة الأفق إن الفضل يعود له.")
    assert q.speaker == "مجلة الأفق"
    # after a verb of relaying, "عنه" is the source: the one the pronoun refers to
    qs = find_quotes("وقال الوزير إن الحدود مغلقة تماما. ونقلت عنه الوكالة قوله إن المعبر سيفتح غدا.")
    assert [q.speaker for q in qs] == ["الوزير", "الوزير"]


def test_a_long_title_with_a_name_in_apposition_is_still_the_speaker():
    (q,) = find_quotes("أعلن المتحدث الرسمي باسم تحالف دعم الحكومة في البلاد، العقيد الركن سامي ناصر، أن الهجوم فشل.")
    assert q.speaker == "المتحدث الرسمي باسم تحالف دعم الحكومة في البلاد، العقيد الركن سامي ناصر"


def test_a_long_described_speaker_before_the_audience_is_kept():
    (q,) = find_quotes('وقال سامي ناصر رئيس شركة "دار الأفق الجديد" المنتجة الحالية في المملكة المتحدة، لبي بي سي إن العقد ذهب لغيرها.')
    assert q.speaker == "سامي ناصر رئيس شركة دار الأفق الجديد المنتجة الحالية في المملكة المتحدة"
    # an aside between dashes is no part of it
    (q,) = find_quotes("وقال أحد أقارب سامي ناصر - البالغ من العمر 32 عاما - إنه اعتقل في مارس الماضي.")
    assert q.speaker == "أحد أقارب سامي ناصر"


def test_a_question_heading_or_a_preposition_before_the_name_names_no_subject():
    text = "وقال المحامي إن القضية معقدة. بماذا يرد كمال؟ ونشرت المجلة بيانا يقول فيه إن الاتهامات باطلة."
    names = [_span(text, "كمال")]
    assert find_quotes(text, names=names)[-1].speaker != "يرد كمال"
    text = "وقالت سلمى إن اللقاء تم. وكان لكمال تصريح قديم عن ذلك. وزعمت أنها ظلت تتحدث معه لسنوات بعد ذلك."
    names = [_span(text, "سلمى"), (text.index("لكمال") + 1, text.index("لكمال") + 5)]
    assert [q.speaker for q in find_quotes(text, names=names)] == ["سلمى", "سلمى"]
    # "بعدما" opens a clause, it is no verb with the name as its subject
    text = "إلا أن التنسيق تعثر، بعدما اتهم كمال الجيران بالتقصير، فرد الرئيس قائلا إن كمال يبالغ."
    names = [_span(text, "كمال")]
    assert find_quotes(text, names=names)[0].speaker != "اتهم كمال"


def test_a_dateline_does_not_hide_the_subject_of_the_first_sentence():
    text = "دبي، الإمارات العربية المتحدة (CNN)— وصفت الشيخة سلمى التهم بالأكاذيب، مؤكدة أنها لا أساس لها."
    names = [_span(text, "دبي"), _span(text, "الإمارات العربية المتحدة"), _span(text, "سلمى")]
    (q,) = find_quotes(text, names=names)
    assert q.speaker == "الشيخة سلمى"


def test_a_subject_after_a_leading_time_and_with_its_name_in_apposition_is_carried():
    text = ("ويوم الأحد، طالب رئيس الوزراء الصيني، لي كه تشيانغ، بفرض عقوبات مشددة. "
            'وقال في بيان "سوف نتخذ إجراءات صارمة".')
    names = [_span(text, "لي كه تشيانغ")]
    (q,) = find_quotes(text, names=names)
    assert q.speaker == "رئيس الوزراء الصيني، لي كه تشيانغ"
    # the subject runs on to a name right after a title that holds another name
    text = "ودعا رئيس مجلس النواب سامي ناصر يوم الأحد إلى إعادة الانتخابات. وقال في بيان إن الحريق جريمة."
    names = [_span(text, "مجلس النواب"), _span(text, "سامي ناصر")]
    (q,) = find_quotes(text, names=names)
    assert q.speaker == "رئيس مجلس النواب سامي ناصر"


def test_a_participle_after_another_verb_and_its_named_subject_goes_to_that_subject():
    text = "هاجم كمال الجيران متهما إياهم بالتقصير، الأمر الذي ردت عليه سلمى مؤكدة أن بلادها مستقلة في قرارها."
    names = [_span(text, "كمال"), _span(text, "سلمى")]
    (q,) = find_quotes(text, names=names)
    assert q.speaker == "سلمى"
    text = "بعدما اتهم كمال الجيران بالتقصير، فرد الرئيس المحلي، سامي ناصر، قائلا إن كمال يبالغ في اتهاماته."
    names = [_span(text, "كمال"), _span(text, "سامي ناصر")]
    (q,) = find_quotes(text, names=names)
    assert q.speaker == "الرئيس المحلي، سامي ناصر"


def test_a_verb_of_saying_without_a_quote_still_names_who_goes_on_and_dual_particles_stop_the_speaker():
    text = 'وأشار رئيس البعثة سامي ناصر إلى "زيادة مقلقة في عدد الوفيات". وقال إن المهربين يستغلون يأس المهاجرين.'
    names = [_span(text, "سامي ناصر")]
    assert [(q.speaker, q.text) for q in find_quotes(text, names=names)] == [
        ("رئيس البعثة سامي ناصر", "المهربين يستغلون يأس المهاجرين.")]
    (q,) = find_quotes("وأكد البيان أنهما اتفقا على مواصلة المحادثات.")
    assert (q.speaker, q.text) == ("البيان", "اتفقا على مواصلة المحادثات.")


def test_a_statement_of_someone_that_says_is_his_quote_and_it_is_recalled_that_is_nobodys():
    (q,) = find_quotes('ونشرت المجلة بيانا لكمال يقول فيه إن "الاتهامات الواردة في المقال غير صحيحة".')
    assert q.speaker == "كمال"
    (q,) = find_quotes("ونقلت الوكالة تصريحات للمرشد الأعلى سامي ناصر، قال فيها إن المصنع جاهز للعمل.")
    assert q.speaker == "المرشد الأعلى سامي ناصر"
    assert find_quotes("يذكر أن الحكومة أقرت شروطا جديدة تجعل الهجرة صعبة جدا.") == []
    (q,) = find_quotes('ويذكر أن الداخلية البحرينية قالت في بيانها: "إن التحريات دلت على تورطهم".')
    assert q.speaker == "الداخلية البحرينية"


def test_an_adverb_inside_a_description_stays_in_the_speaker():
    (q,) = find_quotes("وقالت الشركة المنتجة حاليا لجوازات السفر إن الجوازات ستصنع في فرنسا.")
    assert q.speaker == "الشركة المنتجة حاليا لجوازات السفر"


def test_a_repeated_paragraph_gives_its_quote_once_and_a_noun_opening_a_sentence_is_no_verb():
    text = "وقال العقيد سامي ناصر إن القوات وصلت إلى أطراف المدينة. وقال العقيد سامي ناصر إن القوات وصلت إلى أطراف المدينة."
    assert len(find_quotes(text)) == 1
    text = ("وقال الوزير إن الوضع مقلق للغاية. جريمة إنسانية جديدة ارتكبها المسلحون في القرية. "
            "وقال إن الشاحنة كانت تنقل المساعدات.")
    names = [_span(text, "المسلحون")]
    assert [q.speaker for q in find_quotes(text, names=names)] == ["الوزير", "الوزير"]


def test_manner_time_audience_and_statement_words_leave_the_speaker():
    (q,) = find_quotes("وكان خبراء مستقلون قد أكدوا بشكل منفصل في تقرير أن الدولة انتهكت العقوبات.")
    assert q.speaker == "خبراء مستقلون"
    (q,) = find_quotes("وأكد كمال في فبراير/شباط إنه دفع المبلغ بصورة خاصة.")
    assert q.speaker == "كمال"
    (q,) = find_quotes('وذكر الشيخ القطري بتغريدة أخرى قوله: "أصبحنا أضحوكة بين الصفقات".')
    assert q.speaker == "الشيخ القطري"
    (q,) = find_quotes("واختتم بيان المنظمة بالتأكيد على أن المنظمة تعارض العقوبة بشكل مطلق.")
    assert q.speaker == "بيان المنظمة"
    (q,) = find_quotes('وقال الرئيس لفوكس نيوز عبر الهاتف "ربما سأنسحب من الاجتماع".')
    assert q.speaker == "الرئيس"
    (q,) = find_quotes('وأفادت مصادر لـ" سكاي نيوز عربية"، السبت، بأن المسلحين انتشروا في الشوارع.')
    assert q.speaker == "مصادر"
    (q,) = find_quotes("وجاء في البيان الاتهامي للشرطة أن الجريمة كانت تستهدف إخافة السكان.")
    assert q.speaker == "الشرطة"


def test_the_subject_after_an_adverb_and_not_after_an_adverbial_and_a_relative_clauses_antecedent():
    text = "خرج بعدها الشيخ كمال من القضية ببيان. وتابع أن اللعبة كانت مفبركة من البداية."
    names = [_span(text, "كمال")]
    assert find_quotes(text, names=names)[0].speaker == "الشيخ كمال"
    text = "وقال الوزير إن الطائرة سقطت. وحمل الوزير مرة أخرى إسرائيل المسؤولية. وأكد أن الجيش لم يبلغ الطرف الآخر."
    names = [_span(text, "إسرائيل")]
    assert find_quotes(text, names=names)[-1].speaker != "الوزير مرة أخرى إسرائيل"
    (q,) = find_quotes("ووقع الحادث قرب القاعدة، وفقا للوكالة التي أشارت إلى أن أسباب الحادث لا تزال مجهولة.")
    assert q.speaker == "الوكالة"
    # the antecedent is what is spoken of when a pronoun refers back to it
    qs = find_quotes("وقال الوزير إن الرد قادم. وضربت القوات الأهداف التي قالت إنها تابعة للعدو في المنطقة.")
    assert qs[-1].speaker != "الأهداف"


def test_a_long_run_of_clauses_with_participles_stays_linear():
    import time

    text = "، فرد الرئيس كمال قائلا " * 600
    names = [(i, i + 4) for i in range(0, len(text), 50)]
    t0 = time.perf_counter()
    find_quotes(text, names=names)
    assert time.perf_counter() - t0 < 3.0  # a generous bound: a clause is sought only near its participle


def test_who_issued_a_statement_says_what_it_says():
    qs = find_quotes("وقال الوزير إن الوضع صعب جدا. وأصدر برنامج الغذاء بيانا، الجمعة، قال إن الشاحنة كانت تنقل المساعدات.")
    assert qs[-1].speaker == "برنامج الغذاء"
    qs = find_quotes("وقال الوزير إن الوضع صعب جدا. ونشرت لجنة الإنقاذ تقريرا قالت فيه إن السكان جوعى.")
    assert qs[-1].speaker == "لجنة الإنقاذ"
