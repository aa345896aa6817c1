//! The near-duplicate stage end to end (issue 3): one article scraped from two sites — other
//! footer, glossed vs clean, a paragraph lost — folds into one canonical document; two
//! different articles on one site, sharing its footer and their topic, do not; `canon explain`
//! says why for each.

use crate::util::Fixture;

const TITLE: &str = "滨江步道夜间照明改造完成";
const BODY: [&str; 7] = [
    "市政部门昨日宣布,滨江步道全长六公里的夜间照明改造工程已经全部完成,新灯具比旧灯具节能约四成。",
    "改造前,步道部分路段光线昏暗,附近居民晚上散步时常常需要自带手电筒,安全隐患较多。",
    "此次工程更换了八百多盏路灯,并在台阶和坡道处加装了低位地灯,方便老人和孩子夜间通行。",
    "施工方介绍,新灯具可以根据人流量自动调节亮度,深夜无人时会降低功率,进一步减少用电。",
    "不少市民表示,改造后的步道明亮又不刺眼,夜跑和遛狗的人明显多了起来,江边也更热闹了。",
    "市政部门还计划在步道沿线增设十处休息座椅和两处公共卫生间,预计年底前陆续投入使用。",
    "有关负责人表示,今后将定期巡查灯具运行情况,发现问题及时维修,保障步道夜间照明稳定。",
];
const OTHER: [&str; 6] = [
    "滨江步道沿线的绿化提升工程近日启动,计划新种植乔木一千二百株,并补种成片的地被植物。",
    "园林部门介绍,新选用的树种以本地耐湿品种为主,既能适应江边的土壤条件,也便于日后养护。",
    "工程分三段进行,每段施工期间会设置临时围挡和绕行标识,提醒市民注意安全、有序通行。",
    "附近社区的志愿者也参与进来,帮助清理步道两侧的垃圾,并向过往行人宣传爱护绿地的知识。",
    "按照计划,绿化提升工程将在明年春季完工,届时步道两侧将形成连续的林荫带,夏天更加凉爽。",
    "园林部门欢迎市民通过热线电话提出意见和建议,共同把滨江步道建设成为城市的亮丽名片。",
];
const FOOTER_A: [&str; 4] = ["相关推荐", "评论列表", "暂无评论,快抢沙发吧~", "发表评论:"];
const FOOTER_B: [&str; 3] = ["版权所有 © 江城新闻网", "联系我们 | 关于我们", "返回顶部"];

/// Site A glosses a few words the way the sample page does.
fn gloss(p: &str) -> String {
    p.replace("市政", "市政(shìzhèng)")
        .replace("步道", "步道(bùdào)")
        .replace("居民", "居民(jūmín)")
}

fn line(id: &str, text: &str) -> String {
    serde_json::json!({ "id": id, "text": text }).to_string()
}

/// A filler page of a site: text of its own (pseudo-random characters, different for every
/// page) plus the site footer, so that the footer is boilerplate.
fn filler(site: char, i: usize, footer: &[&str]) -> String {
    let mut x = (site as u64) * 1_000_003 + i as u64 * 7919 + 1;
    let mut para = |n: usize| -> String {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_u32(0x4E00 + (x % 6000) as u32).unwrap()
            })
            .collect()
    };
    let mut p = vec![para(40), para(50)];
    p.extend(footer.iter().map(|s| s.to_string()));
    p.join("\n")
}

fn corpus(fx: &Fixture) -> std::path::PathBuf {
    let mut lines = Vec::new();
    // Site A: glossed, with its footer.
    let mut a: Vec<String> = vec![TITLE.to_owned()];
    a.extend(BODY.iter().map(|p| gloss(p)));
    a.extend(FOOTER_A.iter().map(|s| s.to_string()));
    lines.push(line("a-lights", &a.join("\n")));
    // Site B: clean, its own footer, paragraph 5 lost.
    let mut b: Vec<String> = vec![TITLE.to_owned()];
    b.extend(
        BODY.iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .map(|(_, p)| p.to_string()),
    );
    b.extend(FOOTER_B.iter().map(|s| s.to_string()));
    lines.push(line("b-lights", &b.join("\n")));
    // Another article on site A, same topic (the riverside walk), same footer.
    let mut o: Vec<String> = vec!["滨江步道绿化提升工程启动".to_owned()];
    o.extend(OTHER.iter().map(|p| gloss(p)));
    o.extend(FOOTER_A.iter().map(|s| s.to_string()));
    lines.push(line("a-green", &o.join("\n")));
    for i in 0..6 {
        lines.push(line(&format!("a-{i}"), &filler('A', i, &FOOTER_A)));
        lines.push(line(&format!("b-{i}"), &filler('B', i, &FOOTER_B)));
    }
    fx.write("news.jsonl", lines.join("\n") + "\n")
}

#[test]
fn one_article_on_two_sites_folds_into_one_canonical() {
    let fx = Fixture::new();
    let p = corpus(&fx);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    // B lost a paragraph, so A (the more complete text) is canonical; glosses do not count.
    let kept = out.kept("a-lights");
    assert_eq!(kept["canon"]["cluster_size"], 2, "{kept}");
    assert_eq!(kept["canon"]["duplicates"][0], "b-lights");
    let d = out.dropped("b-lights");
    assert_eq!(d["reason"], "near", "{d}");
    assert_eq!(d["kept_id"], "a-lights");
    let sim = d["similarity"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&sim), "{d}");
    assert_eq!(d["chain"], 1);
    // Both footers are boilerplate and gone from the canonical text.
    let text = out.text("a-lights");
    assert!(
        !text.contains("相关推荐") && !text.contains("返回顶部"),
        "{text}"
    );
    assert_eq!(out.report["near"]["near_duplicates"], 1);
    assert_eq!(out.report["near"]["verified_pairs"], 1);
}

#[test]
fn different_articles_sharing_a_footer_and_a_topic_stay_apart() {
    let fx = Fixture::new();
    let p = corpus(&fx);
    let out = fx.dedup(&[&p], &fx.out(), &[]).success();
    assert_eq!(out.kept("a-green")["canon"]["cluster_size"], 1);
    for i in 0..6 {
        assert_eq!(out.kept(&format!("a-{i}"))["canon"]["cluster_size"], 1);
    }
    // With the stage off, the two copies of the article are both kept.
    let fx = Fixture::new();
    let p = corpus(&fx);
    let out = fx.dedup(&[&p], &fx.out(), &["--no-near"]).success();
    assert_eq!(out.kept("b-lights")["canon"]["cluster_size"], 1);
}

#[test]
fn explain_says_why() {
    let fx = Fixture::new();
    let p = corpus(&fx);
    fx.dedup(&[&p], &fx.out(), &[]).success();
    let explain = |id: &str| {
        let o = assert_cmd::Command::cargo_bin("canon")
            .unwrap()
            .args(["explain", "--out"])
            .arg(fx.out())
            .arg(id)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let b = explain("b-lights");
    assert!(b.contains("dropped as near-duplicate of a-lights"), "{b}");
    assert!(b.contains("1 verified pair away"), "{b}");
    assert!(
        b.contains("boilerplate (in") && b.contains("返回顶部"),
        "{b}"
    );
    let a = explain("a-lights");
    assert!(
        a.contains("kept: the canonical document of a cluster of 2"),
        "{a}"
    );
    let g = explain("a-green");
    assert!(g.contains("kept: no duplicate found"), "{g}");
    assert!(g.contains("相关推荐"), "{g}");
}
