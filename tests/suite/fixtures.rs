//! Fixture text and builders. All articles are invented for these tests (places, people and
//! events are fictional); pages are assembled in code from paragraph lists so that each test
//! knows exactly what went in and what should come out.

#![allow(dead_code)] // each suite uses its own subset

use std::io::Write;

/// A news article: a title line and body paragraphs.
#[derive(Debug, Clone, Copy)]
pub struct Article {
    pub title: &'static str,
    pub paras: &'static [&'static str],
}

impl Article {
    /// Title and body paragraphs as owned strings, in page order.
    pub fn lines(&self) -> Vec<String> {
        std::iter::once(self.title)
            .chain(self.paras.iter().copied())
            .map(str::to_owned)
            .collect()
    }
}

/// Site A's footer: short lines under every page.
pub const FOOTER_A: [&str; 3] = ["相关推荐", "评论列表", "暂无评论,快抢沙发吧~"];
/// Site B's footer.
pub const FOOTER_B: [&str; 3] = ["返回首页", "本站声明:转载请注明出处", "责任编辑:林小舟"];

/// Six ordinary pages of site A.
pub const SITE_A: [Article; 6] = [
    Article {
        title: "城西湿地公园迎来越冬候鸟",
        paras: &[
            "入冬以来,城西湿地公园陆续迎来大批越冬候鸟,管理处工作人员每天清晨沿步道记录鸟群数量。",
            "据统计,今年观测到的候鸟比去年同期多出近三成,其中白鹭和野鸭的数量增长最为明显。",
            "管理处提醒游客观鸟时保持安静,不要投喂食物,也不要为了拍照靠近鸟群。",
        ],
    },
    Article {
        title: "老街菜市场改造后重新开业",
        paras: &[
            "经过四个月的施工,位于老街口的农贸市场昨天重新开门迎客,摊位由原来的六十个增加到八十个。",
            "改造后的市场铺设了防滑地砖,增加了通风设备,每个摊位都安装了电子价签。",
            "不少老顾客一早就赶来买菜,一位姓王的阿姨说,地面干净了,逛起来舒服多了。",
        ],
    },
    Article {
        title: "市图书馆推出夜间自习服务",
        paras: &[
            "从本周一开始,市图书馆二楼自习区每天开放到晚上十点,读者刷卡即可入内。",
            "馆方介绍,延长开放时间是根据读者问卷调整的,参加问卷的大多是上班族和备考学生。",
            "夜间时段只开放自习和还书功能,借书和咨询服务仍然在白天办理。",
        ],
    },
    Article {
        title: "中学生机器人队获全国比赛二等奖",
        paras: &[
            "在上周结束的全国青少年机器人挑战赛中,市第三中学代表队获得高中组二等奖。",
            "队员们用一学期的课余时间设计了能够自动分拣积木的小车,比赛中连续完成三轮任务。",
            "指导老师表示,学生们最大的收获是学会了分工合作,以及在失败后耐心地重新调试。",
        ],
    },
    Article {
        title: "暴雨过后志愿者清理河道",
        paras: &[
            "连续两天的暴雨过后,南河沿岸堆积了不少树枝和塑料垃圾。",
            "周六上午,近百名志愿者带着手套和编织袋来到河边,分成小组沿河岸向下游清理。",
            "到中午时分,志愿者共清出垃圾两吨多,河边步道也恢复了通行。",
        ],
    },
    Article {
        title: "社区食堂为老人提供平价午餐",
        paras: &[
            "东门社区食堂开业一个月来,每天中午为周边老人提供两荤一素的平价套餐。",
            "七十岁以上的老人凭卡就餐还可以享受折扣,行动不便的老人可以请志愿者送餐上门。",
            "社区负责人说,下一步准备根据老人的口味意见调整菜单,增加软烂易嚼的菜品。",
        ],
    },
];

/// Six ordinary pages of site B.
pub const SITE_B: [Article; 6] = [
    Article {
        title: "古镇桂花节吸引大批游客",
        paras: &[
            "一年一度的古镇桂花节昨天开幕,沿河两岸的老桂树正值盛花期,香气飘满了整条街。",
            "主办方在石桥边设置了手工桂花糕体验摊位,不少家长带着孩子排队学做点心。",
            "为缓解停车压力,景区在镇外设立了临时停车场,并开通免费接驳车。",
        ],
    },
    Article {
        title: "旧厂房变身文创园区",
        paras: &[
            "城北一座闲置多年的纺织厂经过改造,变成了集展览、办公和餐饮于一体的文创园区。",
            "设计团队保留了原有的红砖外墙和锯齿形屋顶,车间内部则改成了挑高的展厅。",
            "目前已有三十多家设计工作室和小型书店入驻,周末常有市民前来拍照参观。",
        ],
    },
    Article {
        title: "冬季供暖提前一周启动",
        paras: &[
            "受冷空气影响,本市决定将今年的集中供暖时间提前一周,从本月八日开始试供热。",
            "供热公司提醒居民在试供热期间留意家中暖气阀门和管道,发现漏水及时报修。",
            "对于个别室温不达标的小区,相关部门承诺在接到投诉后四十八小时内上门检测。",
        ],
    },
    Article {
        title: "乡村快递驿站实现全覆盖",
        paras: &[
            "记者从邮政管理部门了解到,全县一百二十个行政村已经全部建成快递驿站。",
            "村民在家门口就能寄取包裹,过去要跑十几公里到镇上取件的情况成为历史。",
            "驿站大多设在村里的小超市内,店主在代收快递的同时,也带动了自家生意。",
        ],
    },
    Article {
        title: "老年人智能手机培训班开课",
        paras: &[
            "为帮助老年人跨越数字鸿沟,街道文化站开办了免费的智能手机培训班。",
            "课程内容包括视频通话、网上挂号、扫码乘车和识别诈骗短信,每节课一个小时。",
            "第一期报名的四十个名额两天内就被抢光,文化站计划下个月再开两个班。",
        ],
    },
    Article {
        title: "城南新建十处口袋公园",
        paras: &[
            "今年以来,城南街道利用边角空地新建了十处口袋公园,每处面积从几百到两千平方米不等。",
            "公园里设置了座椅、健身器材和儿童游乐设施,周边居民步行五分钟就能到达。",
            "街道还邀请居民参与设计,其中两处公园的名字就是通过居民投票选出来的。",
        ],
    },
];

/// One story both sites ran: broken and glossed on A, clean on B.
pub const SHARED: Article = Article {
    title: "地铁三号线开始试运行",
    paras: &[
        "地铁三号线今天开始空载试运行,列车将在全线十八座车站之间往返测试。",
        "据运营公司介绍,试运行期间将检验信号系统、供电设备和站台门的稳定性,乘客暂时不能乘坐。",
        "如果各项测试顺利,三号线有望在明年春节前开通,届时从火车站到大学城只需要二十五分钟。",
    ],
};
/// Pinyin glosses a scraper's "reading aid" plugin sprinkled into [`SHARED`].
pub const SHARED_GLOSSES: [(&str, &str); 4] = [
    ("地铁", "dìtiě"),
    ("信号", "xìnhào"),
    ("站台", "zhàntái"),
    ("乘客", "chéngkè"),
];

/// Glosses that fit words used across the Chinese articles.
pub const COMMON_GLOSSES: [(&str, &str); 8] = [
    ("公园", "gōngyuán"),
    ("志愿者", "zhìyuànzhě"),
    ("居民", "jūmín"),
    ("老人", "lǎorén"),
    ("记者", "jìzhě"),
    ("学生", "xuésheng"),
    ("市民", "shìmín"),
    ("图书馆", "túshūguǎn"),
];

/// An English site's footer.
pub const FOOTER_EN: [&str; 3] = ["Share this story", "Comments (0)", "Back to top"];

/// A story only site A ran, on a broken page (see [`broken_page`]).
pub const BROKEN_ZH: Article = Article {
    title: "山区小学迎来支教老师",
    paras: &[
        "开学第一天,十二名来自师范大学的支教老师走进了北山乡中心小学的教室。",
        "他们将在这里任教一个学期,承担英语、音乐和美术等课程,这些课以前一直缺少专职老师。",
        "校长告诉记者,孩子们早就盼着新老师来,有的学生提前一周就把教室打扫得干干净净。",
    ],
};
/// Glosses on the first copy of [`BROKEN_ZH`]'s body.
pub const BROKEN_ZH_GLOSSES: [(&str, &str); 4] = [
    ("支教", "zhījiào"),
    ("师范", "shīfàn"),
    ("美术", "měishù"),
    ("记者", "jìzhě"),
];
/// Glosses on its second copy (the scraper glossed each copy differently).
pub const BROKEN_ZH_GLOSSES_2: [(&str, &str); 2] = [("任教", "rènjiào"), ("校长", "xiàozhǎng")];

/// A Chinese story for the WET file.
pub const WET_ZH: Article = Article {
    title: "沿江步道夜间照明改造完成",
    paras: &[
        "沿江步道的路灯改造工程近日完工,原来昏暗的三公里路段全部换上了节能灯。",
        "新路灯的亮度可以根据时段自动调节,深夜行人减少后会适当调暗以节约用电。",
        "附近居民说,晚饭后出来散步的人明显多了,跑步的年轻人也愿意选择这条路线。",
    ],
};

/// English stories for the text pages and the WET file.
pub const ENGLISH: [Article; 4] = [
    Article {
        title: "Harbor ferry returns after winter repairs",
        paras: &[
            "The small passenger ferry that links the old harbor with Gull Island resumed service on Monday after three months in dry dock.",
            "Crews replaced both engines and repainted the hull, and the cabin now has space for twelve bicycles.",
            "The first crossing leaves at seven in the morning, and the timetable is unchanged from last summer.",
        ],
    },
    Article {
        title: "Night market opens on Canal Street",
        paras: &[
            "Forty stalls selling noodles, grilled corn and handmade soap lined Canal Street on Friday evening for the first night market of the season.",
            "Organizers closed the street to cars from six until eleven and set up extra lighting near the footbridge.",
            "The market will run every Friday until the end of September if the weather allows.",
        ],
    },
    Article {
        title: "School garden harvest feeds the cafeteria",
        paras: &[
            "Students at Riverside Elementary picked their first crop of lettuce and radishes this week from raised beds behind the gym.",
            "The vegetables went straight to the school cafeteria, where cooks served them in a salad at lunch on Thursday.",
            "Teachers say the garden has become an outdoor classroom for lessons on weather, insects and measurement.",
        ],
    },
    Article {
        title: "Library adds a tool lending shelf",
        paras: &[
            "Residents can now borrow drills, ladders and sewing machines from the public library with the same card they use for books.",
            "The collection started with donations from a hardware store that closed last year and has grown to about ninety items.",
            "Loans last one week, and staff check every tool for safety before it goes back on the shelf.",
        ],
    },
];

/// A clean page: title, body, a blank line, the footer.
pub fn clean_page(a: &Article, footer: &[&str]) -> String {
    let mut s = format!("{}\n", a.title);
    for p in a.paras {
        s.push_str(p);
        s.push('\n');
    }
    if !footer.is_empty() {
        s.push('\n');
        for f in footer {
            s.push_str(f);
            s.push('\n');
        }
    }
    s
}

/// A page as a broken scraper saves it: the title twice, the title a third time glued to the
/// first body paragraph, the body (`first`, indented the Chinese way) and then the whole body
/// again (`second`), blank lines here and there, then the site footer.
pub fn broken_page(title: &str, first: &[String], second: &[String], footer: &[&str]) -> String {
    broken_page_indented(title, first, second, footer, "\u{3000}\u{3000}")
}

/// [`broken_page`] with another paragraph indent.
pub fn broken_page_indented(
    title: &str,
    first: &[String],
    second: &[String],
    footer: &[&str],
    indent: &str,
) -> String {
    let mut s = format!("{title}\n\n{title}\n{title}{}\n", first[0]);
    for p in &first[1..] {
        s.push_str(&format!("{indent}{p}\n\n"));
    }
    s.push_str("\n \n");
    for p in second {
        s.push_str(&format!("{indent}{p}\n"));
    }
    s.push_str("\n\n");
    for f in footer {
        s.push_str(f);
        s.push('\n');
    }
    s
}

/// `text` with `(reading)` inserted after the first occurrence of each listed word.
pub fn gloss(text: &str, glosses: &[(&str, &str)]) -> String {
    let mut s = text.to_owned();
    for (word, reading) in glosses {
        if let Some(i) = s.find(word) {
            s.insert_str(i + word.len(), &format!("({reading})"));
        }
    }
    s
}

/// Glosses every paragraph.
pub fn gloss_all(paras: &[&str], glosses: &[(&str, &str)]) -> Vec<String> {
    paras.iter().map(|p| gloss(p, glosses)).collect()
}

/// A JSON string literal.
pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The part of a news JSON line before the text value (ends with `"text":`).
pub fn news_prefix(id: &str, site: &str) -> String {
    format!(
        r#"{{"id":{},"url":"https://{site}/2024/{id}.html","site":"{site}","note":"\u672c\u5730","text":"#,
        js(id)
    )
}

/// The part of a news JSON line after the text value (odd spacing and number formatting on
/// purpose: canon must keep it byte for byte).
pub const NEWS_SUFFIX: &str = r#","meta":{"lang":"zh-CN", "score":1.50,"tags":["本地","民生"]}}"#;

/// One news JSON line (no line end).
pub fn news_line(id: &str, site: &str, text: &str) -> String {
    format!("{}{}{NEWS_SUFFIX}", news_prefix(id, site), js(text))
}

/// A WARC record with `\r\n` header lines; `None` leaves a header out.
pub fn wet_record(kind: &str, id: Option<&str>, url: Option<&str>, body: &str) -> String {
    let mut s = format!("WARC/1.0\r\nWARC-Type: {kind}\r\n");
    if let Some(u) = url {
        s.push_str(&format!("WARC-Target-URI: {u}\r\n"));
    }
    s.push_str("WARC-Date: 2024-03-01T08:00:00Z\r\n");
    if let Some(i) = id {
        s.push_str(&format!("WARC-Record-ID: {i}\r\n"));
    }
    s.push_str(&format!(
        "Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
        body.len()
    ));
    s
}

/// A `warcinfo` record as Common Crawl starts every WET file with.
pub fn warcinfo() -> String {
    wet_record(
        "warcinfo",
        Some("<urn:uuid:00000000-0000-4000-8000-000000000000>"),
        None,
        "isPartOf: TEST-CRAWL\r\npublisher: canon tests\r\n",
    )
}

/// A conversion record id, `<urn:uuid:…>`, from a small number.
pub fn urn(n: u32) -> String {
    format!("<urn:uuid:6c1f0d2e-0000-4000-8000-{n:012}>")
}

/// gzip, one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// gzip with one member per part, concatenated (as Common Crawl writes WET files).
pub fn gzip_members(parts: &[&[u8]]) -> Vec<u8> {
    parts.iter().flat_map(|p| gzip(p)).collect()
}

/// zstd, one frame.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

/// A tiny deterministic generator (xorshift64*), so generated corpora need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Every article above, for generated corpora.
pub fn all_articles() -> Vec<Article> {
    let mut v: Vec<Article> = SITE_A.to_vec();
    v.extend(SITE_B);
    v.extend(ENGLISH);
    v.extend([SHARED, BROKEN_ZH, WET_ZH]);
    v
}

/// An article as canon emits it: title and paragraphs, one per line.
pub fn plain(a: &Article) -> String {
    a.lines().join("\n")
}

/// Text of about `bytes` bytes of varied English sentences (few repeated runs for repair).
pub fn varied_text(seed: u64, bytes: usize) -> String {
    const WORDS: [&str; 24] = [
        "harbor", "ferry", "market", "garden", "library", "river", "bridge", "school", "winter",
        "summer", "island", "station", "council", "street", "village", "museum", "orchard",
        "bakery", "festival", "lantern", "meadow", "tunnel", "workshop", "quarry",
    ];
    let mut rng = Rng::new(seed);
    let mut s = String::with_capacity(bytes + 200);
    let mut n = 0;
    while s.len() < bytes {
        n += 1;
        // Numbered at both ends, so that paragraphs do not share their first or last key
        // bytes (see repair_time_is_linear_in_paragraphs_that_begin_alike).
        s.push_str(&format!("{n}"));
        for _ in 0..12 + rng.below(12) {
            s.push(' ');
            s.push_str(WORDS[rng.below(WORDS.len())]);
        }
        s.push_str(&format!(" {n}.\n"));
    }
    s
}

/// One of the three site footers, or none, each a quarter of the time.
pub fn random_footer(rng: &mut Rng) -> &'static [&'static str] {
    match rng.below(4) {
        0 => &FOOTER_A,
        1 => &FOOTER_B,
        2 => &FOOTER_EN,
        _ => &[],
    }
}
