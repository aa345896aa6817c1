//! Unit tests of repair: what is dropped, cut and kept on small pages.

use super::*;

fn repair(text: &str) -> (String, Repaired) {
    let r = Repairer::new(DEFAULT_MIN_REPEAT).repair(text);
    (r.text(text), r)
}

#[test]
fn repeated_paragraphs_are_dropped() {
    let page = "第一段文字在这里。\n第二段文字在这里。\n\n第一段文字在这里。\n第二段文字在这里!\n";
    let (text, r) = repair(page);
    assert_eq!(text, "第一段文字在这里。\n第二段文字在这里。");
    assert_eq!(r.repeated_paragraphs, 2);
    assert_eq!(r.repeated_chars, 18);
}

#[test]
fn glued_title_is_cut_from_the_first_body_paragraph() {
    let title = "本市今年新建公园二十座";
    let body1 = "记者从市园林局获悉,今年全市共新建公园二十座,总面积超过三百公顷。";
    let body2 = "新建公园大多位于老城区,方便居民就近休闲。";
    let page = format!("{title}\n{title}\n{title}{body1}\n{body2}\n{body1}\n{body2}\n");
    let (text, r) = repair(&page);
    assert_eq!(text, format!("{title}\n{body1}\n{body2}"));
    assert_eq!(r.paragraphs.len(), 3);
    // The remainder of the glued line keys like body 1 alone.
    assert_eq!(
        r.paragraphs[1].hash,
        xxh3_64(crate::normalize::key_of(body1).as_bytes())
    );
}

#[test]
fn an_earlier_short_paragraph_at_the_end_of_a_new_one_is_kept() {
    // Was `glued_suffix_is_cut` (cut to `{a}\n{b}`): a paragraph that ends with an earlier
    // short one is how a lead reads after its summary teaser, not scraper glue.
    let a = "这是一段比较长的正文内容。";
    let b = "另外一段完全不同的正文内容。";
    let page = format!("{a}\n{b}{a}\n");
    let (text, _) = repair(&page);
    assert_eq!(text, format!("{a}\n{b}{a}"));
    // Both parts repeat earlier paragraphs: two copies glued into one line, which goes.
    let page = format!("{a}\n{b}\n{b}{a}\n");
    let (text, r) = repair(&page);
    assert_eq!(text, format!("{a}\n{b}"));
    assert_eq!(r.repeated_paragraphs, 1);
}

/// Pages whose short lines recur because their structure repeats, in several scripts:
/// repair leaves them as they are.
const STRUCTURED: &[&str] = &[
    // Opening hours: the same hours under several days, `Closed` twice.
    "Library hours\nMonday\n8:30-18:00\nTuesday\n8:30-18:00\nThursday\n8:30-18:00\n\
     Friday\n10:00-14:00\nSunday\nClosed\nHolidays\nClosed",
    // Two time slots a day: a run of two short repeats, far shorter than a sentence.
    "门诊时间\n周一\n8:00-12:00\n14:00-17:30\n周三\n8:00-12:00\n14:00-17:30\n周五\n8:00-12:00",
    // FAQ answers.
    "よくある質問\n駐車場はありますか？\nはい\n予約は必要ですか？\nいいえ\nペットは入れますか？\nはい\n\
     子ども料金はありますか？\nいいえ",
    "자주 묻는 질문\n주차할 수 있나요?\n네\n예약이 필요한가요?\n아니요\n반려동물과 함께 갈 수 있나요?\n네",
    // A refrain.
    "เพลงแห่งสายน้ำ\nเมื่อสายลมพัดผ่านทุ่งนา\nเราจะร้องเพลงด้วยกัน\nเมื่อดวงดาวส่องแสงยามค่ำ\n\
     เราจะร้องเพลงด้วยกัน\nเมื่อฝนโปรยปรายลงมา\nเราจะร้องเพลงด้วยกัน",
    "河边的歌\n清晨我们划船过河\n让歌声飘过山坡\n傍晚我们点起渔火\n让歌声飘过山坡",
    // Table cells, one per line, and scores.
    "Stock\nNails\n0\nScrews\n0\nBolts\n12\nWashers\n0",
    "Results\nLions\n2\nTigers\n1\nBears\n2\nWolves\n1\nFinal table\nLions 4\nTigers 2",
];

#[test]
fn short_repeated_lines_are_structure_not_a_doubled_body() {
    for page in STRUCTURED {
        let (text, r) = repair(page);
        assert_eq!(&text, page);
        assert!(r.events.is_empty(), "{:?}", r.events);
    }
    // What a scraper repeats still goes. A body printed twice, short headings included.
    let zh = [
        "湖滨公园改造完工",
        "改造内容",
        "湖滨公园改造工程日前完工，新建环湖步道三公里，增设座椅、路灯和公共厕所，并补种各类树木两千余株。",
        "市民反响",
        "家住附近的李先生说，改造后的公园环境更好了，每天傍晚都会带家人来散步。",
    ];
    let page = format!("{}\n{}\n", zh.join("\n"), zh[1..].join("\n"));
    assert_eq!(repair(&page).0, zh.join("\n"));
    // Short English lines: each shorter than a sentence, together a body.
    let en = [
        "Match report",
        "First half",
        "Visitors scored early.",
        "Second half",
        "Hosts equalised late.",
    ];
    let page = format!("{}\n{}\n", en.join("\n"), en[1..].join("\n"));
    assert_eq!(repair(&page).0, en.join("\n"));
    // The whole page twice, title included.
    let th = [
        "ตลาดน้ำเปิดใหม่",
        "ตลาดน้ำแห่งใหม่เปิดให้บริการแล้วตั้งแต่เช้าวันเสาร์",
        "มีร้านค้ากว่าร้อยร้าน",
    ];
    let page = format!("{0}\n{0}\n", th.join("\n"));
    assert_eq!(repair(&page).0, th.join("\n"));
    // The title three times, the third glued to the first paragraph; a stutter.
    let title = "新しい図書館が開館";
    let p1 = "市立図書館の新館が今日開館し、多くの市民が訪れた。";
    let p2 = "蔵書は約二十万冊。";
    let page = format!("{title}\n{title}\n{title}{p1}\n{p2}\n{p2}\n{p1}\n{p2}\n");
    assert_eq!(repair(&page).0, format!("{title}\n{p1}\n{p2}"));
    // A copy of the title anywhere in the page, and a stutter of a short line.
    let page = "Harbour news\nFerry adds a crossing.\nHarbour news\nTickets\nTickets\nOn sale now.";
    assert_eq!(
        repair(page).0,
        "Harbour news\nFerry adds a crossing.\nTickets\nOn sale now."
    );
}

/// A teaser long enough to be a repeated sentence (at least `min_repeat`) quoted at the
/// start or end of a longer, otherwise new lead: the lead keeps it (`suffix-glue` class).
/// Doubled text is still cut: inside one line, or as long as what surrounds it.
#[test]
fn a_long_teaser_quoted_by_the_lead_stays_in_the_lead() {
    let pages = [
        // Chinese, teaser (29 characters) at the end of the lead.
        "港口吞吐量创新高\n视频简介\n沿海港口集装箱吞吐量稳步增长，前三季度同比增长百分之八点五。\n主要内容\n\
         本台消息：交通运输部最新统计显示，今年以来外贸需求持续回暖，沿海港口集装箱吞吐量稳步增长，前三季度同比增长百分之八点五。\n\
         自动化码头的桥吊昼夜不停作业。",
        // English, teaser (about 55 letters) at the start of the lead.
        "Ferry timetable changes\nSummary\nThe ferry company will add a second evening crossing in June.\n\
         The ferry company will add a second evening crossing in June. Tickets go on sale at the pier office from Monday, and the company says more sailings may follow if demand holds.\n\
         The island council welcomed the news.",
    ];
    for page in pages {
        let (text, r) = repair(page);
        assert_eq!(text, page, "{:?}", r.events);
    }
    // A sentence doubled inside one line is still cut to one copy.
    let s = "The committee approved the new budget for the harbour after a long debate.";
    let page = format!("Budget\n{s} {s}\n");
    assert_eq!(repair(&page).0, format!("Budget\n{s}"));
    // A whole earlier paragraph glued to a shorter new one is still cut.
    let long =
        "经过半年施工，沿江健身步道日前全线贯通，全长十二公里，串联起沿岸六个公园和三处历史街区。";
    let page = format!("步道贯通\n{long}\n另据报道。{long}\n");
    let (text, _) = repair(&page);
    assert_eq!(text.matches(long).count(), 1, "{text}");
}

#[test]
fn a_glued_span_is_cut_only_where_a_scraper_glues_it() {
    // A summary teaser, then a lead whose last sentence it is: the lead stays whole.
    let pages = [
        "[视频]全省春耕进度过半 农机作业面积扩大\n视频简介\n全省春耕进度过半，农机作业面积扩大。\n主要内容\n\
         本台消息：记者从省农业农村厅了解到，各地抢抓农时，全省春耕进度过半，农机作业面积扩大。\n\
         在平原地区，大型播种机在田间作业，农技人员现场指导。",
        "Council approves new bike lanes\nSummary\nThe council approved three new bike lanes.\n\
         After a long debate on Monday night, the council approved three new bike lanes.\n\
         Work starts in spring.",
        "駅前広場の改修が完了\n概要\n駅前広場の改修が完了した。\n\
         市は昨年から工事を進めてきたが、今月ついに駅前広場の改修が完了した。\n記念式典は来週開かれる。",
        // A short earlier line at the start of a new one: not the title, kept.
        "港口新闻\n来源：示例电视网\n正文第一段。\n来源：示例电视网 更新时间：2024年11月02日 19:20",
    ];
    for page in pages {
        let (text, r) = repair(page);
        assert_eq!(text, page);
        assert!(r.events.is_empty(), "{:?}", r.events);
    }
    // The title glued to the start of paragraph 1 is still cut.
    let title = "湖畔社区开办老年食堂";
    let body = "本报讯 为解决辖区老人吃饭难的问题，社区开办了老年食堂。";
    let page = format!("{title}\n{title}\n{title}{body}\n");
    assert_eq!(repair(&page).0, format!("{title}\n{body}"));
    let page = "Town fair this weekend\nTown fair this weekendThe fair opens on Saturday.\n";
    assert_eq!(
        repair(page).0,
        "Town fair this weekend\nThe fair opens on Saturday."
    );
}

#[test]
fn repeated_run_inside_a_paragraph_is_cut() {
    let s = "The committee met on Tuesday to review the budget for the coming fiscal year and approved it. ";
    let page = format!("Intro line here.\n{s}{s}Then they adjourned.\n");
    let (text, r) = repair(&page);
    assert_eq!(text, format!("Intro line here.\n{s}Then they adjourned."));
    assert_eq!(r.cut_paragraphs, 1);
}

#[test]
fn short_natural_repetition_is_kept() {
    let page = "他说好的好的好的,我们明天见。\n好的\n";
    let (text, _) = repair(page);
    assert_eq!(text, "他说好的好的好的,我们明天见。\n好的");
}

#[test]
fn doubled_body_in_one_line_is_halved() {
    let body = "城市交通委员会今天发布通知,自下月起地铁延长运营时间一小时,方便夜间出行的市民。同时公交线路也将进行调整,具体时刻表将在官方网站上公布。";
    let page = format!("{body}{body}\n");
    let (text, _) = repair(&page);
    assert_eq!(text, body);
}

#[test]
fn events_say_which_line_repeats_which() {
    let t = "Title of the page here\nTitle of the page here\n\nTitle of the page hereBody text that is long enough.\n";
    let (_, r) = repair(t);
    assert_eq!(
        r.events,
        vec![
            Event {
                line: 2,
                removal: Removal::Repeat { of: 1 }
            },
            Event {
                line: 4,
                removal: Removal::Cut { chars: 22 }
            },
        ]
    );
    assert_eq!(
        r.paragraphs.iter().map(|p| p.line).collect::<Vec<_>>(),
        vec![1, 4]
    );
}

#[test]
fn a_cut_inside_a_normalized_segment_keeps_the_segment() {
    // `blank-kept-paragraph`: line 3 is line 2 glued to line 1; `叿ȯ` is one NFKC segment.
    // (Was `Ȯ沙发\n叿ȯ沙发`, cut the same way; an earlier short paragraph at the end of a
    // new one is no longer cut, see `an_earlier_short_paragraph_at_the_end_of_a_new_one_is_kept`.)
    let page = "Ȯ沙发\n叿\n叿ȯ沙发\n";
    let (text, _) = repair(page);
    assert_eq!(text, "Ȯ沙发\n叿\n叿ȯ");
}

#[test]
fn pieces_never_overlap_in_one_segment_lines() {
    // `overlapping-pieces-min-repeat-2`, `overlapping-pieces-thai-default`: the whole line
    // is one NFKC segment, so every key byte has source offset 0; the cut cannot be placed
    // and the text must come out once.
    let page = "㍀ᇌ㍀ọ㍀ọỺ\n";
    let r = Repairer::new(2).repair(page);
    let mut last = 0;
    for p in &r.pieces {
        assert!(p.start >= last && p.end > p.start, "{:?}", r.pieces);
        last = p.end;
    }
    let s = "ภาษาไทยเป็นภาษาที่สวยงามมากและมีประวัติศาสตร์ยาวนานหลายร้อยปี";
    let page = format!("{s}{s}จบแล้ว\n");
    let (text, _) = repair(&page);
    assert!(text.len() <= page.len());
}

#[test]
fn text_joined_at_a_cut_is_looked_at_again() {
    // `not-idempotent-min-repeat-12`, `not-idempotent-default-min-repeat`: a cut joins text
    // into a new repeated run; one repair removes it.
    let twice = |page: &str, min: usize| {
        let mut r = Repairer::new(min);
        let once = r.repair(page).text(page);
        let again = r.repair(&once).text(&once);
        (once, again)
    };
    let page = format!("{}N{}N{}", "O".repeat(10), "O".repeat(24), "O".repeat(9));
    let (once, again) = twice(&page, 12);
    assert_eq!(once, again);
    let page = "iew thebudgetforthecoming fiscalyearandapproveditThecommittee met onTuesdaytoreviewthebudgetforthe comingfiscalyearand appiscalyearandapproveditThecommitteemetonTuesday toreroveditThe";
    let (once, again) = twice(page, DEFAULT_MIN_REPEAT);
    assert_eq!(once, again);
}

#[test]
fn crlf_and_blank_lines() {
    let (text, r) = repair("a line of text\r\n\r\n   \r\nanother line\r\n");
    assert_eq!(text, "a line of text\nanother line");
    assert_eq!(r.repeated_paragraphs, 0);
}

#[test]
fn repair_is_idempotent_on_the_fixture() {
    let title = "标题:测试页面的标题文字";
    let body = "正文第一段,内容足够长,可以用来测试重复的检测是否正确。";
    let page = format!("{title}\n{title}{body}\n{body}\n");
    let (once, _) = repair(&page);
    let (twice, r2) = repair(&once);
    assert_eq!(once, twice);
    assert_eq!(r2.repeated_paragraphs, 0);
}
