#!/usr/bin/env python3
"""Generate the small sample input set under data/ for canon.

Usage:  python3 scripts/make_sample_data.py

Python 3.11 standard library only, plus the `zstd` command-line tool for the .zst files.
Fully deterministic: no randomness, no timestamps (gzip mtime=0, zstd from stdin), fixed
UUIDs (uuid5), so running the script twice gives byte-identical files.

All article text below is original, invented for this sample. Every person, place and event
in it is fictional.

The script owns these paths and rewrites them on every run:
    data/news.jsonl, data/pages/, data/crawl.warc.wet, data/compressed/, data/README.md

After writing, it re-reads everything it wrote and checks it: every JSON line parses, WET
Content-Lengths and block digests are exact, gzip/zstd files pass `gzip -t` / `zstd -t`, and a
small reference model of canon's repair + normalization reproduces the intended duplicate groups
and boilerplate counts (see check_expectations()).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
import unicodedata
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ZSTD = "/usr/bin/zstd"
UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.invalid/canon/sample-data")


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

_CN_PUNCT = str.maketrans({",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"})


def cn(s: str) -> str:
    """Chinese text is typed with ASCII , : ; ? ! ( ) below; publish it with full-width marks."""
    return s.translate(_CN_PUNCT)


def full_width(s: str) -> str:
    """Every printable ASCII character to its full-width form, space to the ideographic space."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == " ":
            out.append("\u3000")
        elif 0x21 <= o <= 0x7E:
            out.append(chr(o + 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class Article:
    title: str
    paras: list[str]

    def lines(self) -> list[str]:
        return [self.title, *self.paras]


def zh(title: str, *paras: str) -> Article:
    return Article(cn(title), [cn(p) for p in paras])


def en(title: str, *paras: str) -> Article:
    return Article(title, list(paras))


# ---------------------------------------------------------------------------------------------
# Footers (site boilerplate)
# ---------------------------------------------------------------------------------------------

FOOTER_A = ["相关推荐", "评论列表", "暂无评论,快抢沙发吧~", "发表评论:", "欢迎访问本站"]
FOOTER_B = ["版权所有 © 示例新闻网", "联系我们 | 关于我们", "本文来源:示例新闻网", "返回顶部"]
FOOTER_C = ["分享到:微信 微博 邮件", "上一篇 | 下一篇", "© 2026 示例城市生活网 example-c.org 保留所有权利"]
FOOTER_D = ["—— 完 ——", "喜欢这篇文章吗?点个赞再走吧", "扫码关注公众号,获取更多本地生活资讯"]
FOOTER_E = ["本站部分内容来自网络,如有侵权请联系删除", "网站地图 | 隐私政策 | 联系方式", "客服邮箱:service@example-e.org"]
ALL_FOOTERS = {"A": FOOTER_A, "B": FOOTER_B, "C": FOOTER_C, "D": FOOTER_D, "E": FOOTER_E}

# Pinyin glosses that the site-A scraper sprinkles after some words (first occurrence only).
PINYIN = {
    "记者": "jìzhě", "城市": "chéngshì", "公交": "gōngjiāo", "夜间": "yèjiān", "乘客": "chéngkè",
    "线路": "xiànlù", "女士": "nǚshì", "图书馆": "túshūguǎn", "社区": "shèqū", "居民": "jūmín",
    "阅读": "yuèdú", "茶园": "cháyuán", "茶农": "chánóng", "茶叶": "cháyè", "采摘": "cǎizhāi",
    "合作社": "hézuòshè", "寒潮": "háncháo", "气象台": "qìxiàngtái", "降温": "jiàngwēn",
    "冷空气": "lěngkōngqì", "机器人": "jīqìrén", "垃圾": "lājī", "分类": "fēnlèi", "宿舍": "sùshè",
    "高铁": "gāotiě", "旅客": "lǚkè", "绿色": "lǜsè", "午餐": "wǔcān",
    "营养师": "yíngyǎngshī", "食堂": "shítáng", "浪费": "làngfèi", "河道": "hédào", "治理": "zhìlǐ",
    "白鹭": "báilù", "水质": "shuǐzhì", "芦苇": "lúwěi", "夜市": "yèshì", "小吃": "xiǎochī",
    "摊位": "tānwèi", "快递": "kuàidì", "驿站": "yìzhàn", "上班族": "shàngbānzú",
}


def add_glosses(paras: list[str], max_total: int = 6, per_para: int = 2) -> list[str]:
    """Insert `词(cí)` glosses after the first occurrence of dictionary words, spread out."""
    hits = []
    for pi, p in enumerate(paras):
        for w, py in PINYIN.items():
            i = p.find(w)
            if i >= 0:
                hits.append((pi, i, w, py))
    hits.sort()
    seen_words: set[str] = set()
    chosen: dict[int, list[tuple[int, str, str]]] = {}
    total = 0
    last_end = {}
    for pi, i, w, py in hits:
        if w in seen_words or total >= max_total or len(chosen.get(pi, [])) >= per_para:
            continue
        if i < last_end.get(pi, -1):
            continue
        seen_words.add(w)
        chosen.setdefault(pi, []).append((i, w, py))
        last_end[pi] = i + len(w)
        total += 1
    out = []
    for pi, p in enumerate(paras):
        for i, w, py in sorted(chosen.get(pi, []), reverse=True):
            j = i + len(w)
            p = p[:j] + f"({py})" + p[j:]
        out.append(p)
    return out


def site_a_punct(paras: list[str]) -> list[str]:
    """Site A's scraper loses some full-width punctuation: all '：' and some '，' become ASCII."""
    out = []
    for k, p in enumerate(paras):
        p = p.replace("：", ":")
        if k % 2 == 0:
            p = p.replace("，", ",", 1)
        out.append(p)
    return out


def broken_page(art: Article, footer: list[str], gloss: bool, blanks: int) -> str:
    """Broken scraper output: title twice, title glued to paragraph 1, body twice, footer."""
    body = art.paras
    if gloss:
        body = site_a_punct(add_glosses(body))
    lines = [art.title, art.title, art.title + body[0], *body[1:], *body]
    lines += [""] * blanks + footer
    return "\n".join(lines)


def clean_page(art: Article, footer: list[str] | None = None, indent: str = "",
               double_spaced: bool = False) -> str:
    lines = [art.title] + [indent + p for p in art.paras]
    if double_spaced:
        spaced = []
        for l in lines:
            spaced += [l, ""]
        lines = spaced[:-1]
    if footer:
        lines += footer
    return "\n".join(lines)


def doubled_body(art: Article, footer: list[str] | None = None) -> str:
    """Body repeated twice, title once (no glue)."""
    lines = [art.title, *art.paras, *art.paras] + (footer or [])
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Articles (original text)
# ---------------------------------------------------------------------------------------------

ART: dict[str, Article] = {}

ART["nightbus"] = zh(
    "本市新开通三条夜间公交线路 方便晚归市民出行",
    "记者从市公共交通集团获悉,本市三条新的夜间公交线路将于下周一正式开通,运营时间为每晚十一点至次日凌晨五点,覆盖主城区的几个主要居住片区。",
    "据介绍,这三条线路分别连接火车站、大学城和东部工业园区,平均每二十分钟发一班车。乘客可以使用交通卡、手机扫码或投币等方式乘车,票价与日间线路保持一致。",
    "公交集团相关负责人表示,开通夜间线路之前,工作人员在多个站点进行了为期一个月的客流调查,发现晚上十点以后仍有大量上班族和学生需要出行,而出租车在深夜时段较难叫到。",
    "为保障夜间行车安全,所有夜班车辆都安装了车内监控和一键报警装置,驾驶员在上岗前需要接受专门的夜间驾驶培训,连续驾驶时间不超过四个小时。",
    "不少市民对新线路表示欢迎。在一家医院做护士的李女士说,她经常要上晚班,以前下班只能请家人来接,现在有了夜班车,回家方便多了。",
    "公交集团表示,将根据开通后一个月的实际客流情况对发车间隔和站点设置进行调整,市民也可以通过服务热线提出意见和建议。",
)

ART["library"] = zh(
    "老旧社区图书馆完成改造 新增自助借还和儿童阅读区",
    "位于城西的一家社区图书馆近日完成改造并重新开放。改造后的图书馆面积扩大了一倍,藏书增加到两万余册,还专门设置了儿童阅读区和安静自习区。",
    "记者在现场看到,图书馆入口处新安装了两台自助借还机,居民只需刷身份证或读者证,就能在一分钟内完成借书和还书手续,不再需要排队等候。",
    "儿童阅读区铺设了软垫,书架高度也按照孩子的身高重新设计。每周六上午,志愿者会在这里为小朋友讲故事,活动名额通过社区公众号预约。",
    "社区工作人员介绍,改造前图书馆每天接待读者不到五十人次,如今周末的日接待量已经超过三百人次,自习区的座位经常在开门半小时内就被占满。",
    "退休教师王先生几乎每天都来看报纸。他说,以前这里光线暗、座位少,现在环境明亮,还能喝上免费的热水,感觉像在家里的书房一样舒服。",
    "据悉,图书馆下一步计划与市图书馆实现通借通还,居民在社区借的书可以还到全市任何一个分馆。",
)
LIBRARY_UPDATE = cn("【更新】截至本周五,图书馆已办理新读者证四百余张,馆方表示将在暑假期间把开放时间延长到晚上九点。")

ART["tea"] = zh(
    "春茶开采 山区茶农迎来忙碌季节",
    "清明节前后,南部山区的茶园陆续进入春茶采摘期。天刚蒙蒙亮,茶农们就背着竹篓上山,在云雾缭绕的茶垄间忙着采摘新鲜的嫩芽。",
    "今年春季雨水充足,气温回升平稳,茶树发芽比去年早了大约一周。当地茶叶合作社负责人说,今年的春茶芽头饱满,预计产量和品质都会好于往年。",
    "采茶是个细致活。有经验的茶农一天能采两三斤鲜叶,而制作一斤干茶大约需要四斤鲜叶。为了赶在最佳时间采摘,不少家庭请来了亲戚朋友帮忙。",
    "近几年,合作社引进了新的杀青和揉捻设备,部分工序实现了机械化,但高档茶仍然坚持手工炒制。一位做了三十年茶的老师傅说,火候全凭手感,机器很难完全替代。",
    "除了传统的批发渠道,越来越多的茶农开始尝试网络直播销售。一些年轻人返乡后在茶园里架起手机,边采茶边向网友介绍茶叶的种植和制作过程。",
    "当地政府表示,将继续支持茶产业发展,计划修建一条通往茶园的产业道路,并为茶农提供免费的技术培训和品牌推广服务。",
    "记者离开时,山坡上的采茶人仍在忙碌,山脚下的茶厂里飘出阵阵茶香,又一个丰收的春天正在到来。",
)

ART["robot"] = zh(
    "大学生团队研发垃圾分类机器人 识别准确率超过九成",
    "本市一所理工大学的学生团队近日展示了他们研发的垃圾分类机器人。这台机器人能够通过摄像头识别投放的垃圾种类,并自动将其送入对应的分类箱。",
    "团队负责人是一名大三学生。他介绍说,研发的初衷来自宿舍楼下的垃圾站:很多同学不清楚某些物品属于哪一类,经常投错,给保洁人员增加了不少工作量。",
    "为了训练识别模型,团队成员花了半年时间拍摄了超过三万张垃圾照片,涵盖塑料瓶、纸盒、果皮、电池等常见物品。在实验室测试中,机器人的识别准确率达到了百分之九十二。",
    "指导老师表示,这个项目最难的部分不是识别,而是机械结构的设计。垃圾的形状和重量差别很大,机械臂既要抓得稳,又不能把东西弄碎。",
    "目前,这台机器人已在学校的两栋宿舍楼试用。学生们反映,使用起来很方便,投放时屏幕上还会显示这件垃圾的分类知识。",
    "团队计划在明年参加全国大学生创新创业比赛,同时也在与几家物业公司接触,希望把这项成果推广到更多小区。",
)

ART["cold"] = zh(
    "寒潮来袭 本周后期气温将下降十度以上",
    "市气象台今天上午发布寒潮蓝色预警。受北方强冷空气影响,本周四到周六,全市将出现明显的降温和大风天气,最低气温可能降到零下三度左右。",
    "气象专家介绍,这次冷空气势力较强,移动速度快,降温幅度普遍在八到十二度之间。周四夜间到周五白天,部分地区还可能出现雨夹雪。",
    "由于前期气温偏高,不少市民已经换上了春装。专家提醒,降温前后温差较大,老人和儿童要及时添加衣物,预防感冒和心脑血管疾病。",
    "交通部门表示,大风天气可能影响跨江大桥的通行,届时将视情况对大型货车采取限速措施。市民出行前请关注实时路况信息。",
    "农业部门也发出提醒,正在开花的果树和大棚蔬菜容易受到低温冻害,种植户应提前做好覆盖保温和通风管理。",
    "据预报,下周一起气温将逐步回升,周末前后有望恢复到正常水平。气象台将根据冷空气的最新动向及时发布预警信息。",
)

# Written with ASCII punctuation/digits/Latin on purpose; the other copy is full_width() of it.
FESTIVAL_TITLE = "第3届老街非遗手工艺展开幕 ABC三个展区免费开放"
FESTIVAL_PARAS = [
    "2026年3月14日上午,第3届老街非遗手工艺展在城南老街正式开幕。本次展览共设A、B、C三个展区,展出剪纸、竹编、木雕等12类传统手工艺作品。",
    "A展区以剪纸和刺绣为主,现场有5位老艺人进行技艺展示。市民可以在工作人员的指导下动手体验,完成的作品可以免费带回家。",
    "B展区(第2展厅)集中展示竹编和藤编制品,其中一件高约1.8米的竹编花瓶吸引了许多游客驻足拍照。",
    "C展区是今年新增的青年设计师专区,30余件作品将传统工艺与现代设计相结合,包括木雕手机支架、蓝染帆布包等实用小物。",
    "主办方介绍,展览将持续到3月28日,每天9:00至17:00开放,无需预约。周末还安排了非遗知识讲座,具体时间可关注老街官方账号。",
    "据统计,开幕首日共接待游客约8000人次,比上届同期增长了25%。",
]
ART["festival_half"] = Article(FESTIVAL_TITLE, FESTIVAL_PARAS)
ART["festival_full"] = Article(full_width(FESTIVAL_TITLE), [full_width(p) for p in FESTIVAL_PARAS])

MARATHON_REPEAT = cn("赛事组委会提醒,比赛当天早上六点至中午十二点,沿线多条道路将实行临时交通管制,请市民提前规划出行路线并尽量选择地铁或公交出行。")
ART["marathon"] = zh(
    "城市马拉松周日开跑 两万名跑者参赛",
    "本周日早上七点半,一年一度的城市马拉松比赛将在市民广场鸣枪起跑。今年共有来自全国各地的两万名跑者报名参赛,其中全程马拉松项目八千人。",
    "比赛路线途经滨江大道、老城区和高新区,全程设置了二十个补给站,提供饮用水、运动饮料、香蕉和能量胶等物资。",
    MARATHON_REPEAT + "地铁部门届时将提前一小时开始运营。",
    "为了保障参赛者安全,组委会在赛道沿线安排了三百多名医疗志愿者和十几辆救护车,并在终点区设立了临时医疗站。",
    "今年的比赛首次采用了芯片计时和实时成绩查询系统,跑者的亲友可以通过手机随时查看选手所处的位置。",
    "组委会表示,赛后将对沿途道路进行快速清扫,预计中午十二点半之前全部恢复正常通行。",
)
# The scraped copy repeats the notice sentence inline, inside the same paragraph.
ART["marathon_scraped"] = Article(
    ART["marathon"].title,
    [p if not p.startswith(MARATHON_REPEAT) else MARATHON_REPEAT + p for p in ART["marathon"].paras],
)

ART["rail"] = zh(
    "高铁东站(暂定名)主体工程完工 预计年底投入使用",
    "记者从市重点工程指挥部了解到,高铁东站(暂定名)的主体工程已于近日完工,目前正在进行内部装修和设备安装,预计今年年底前投入使用。",
    "新车站共设六个站台、十二条到发线,候车大厅面积约两万平方米,可同时容纳五千名旅客候车。车站屋顶安装了光伏发电板,每年可发电约三百万千瓦时。",
    "为方便旅客换乘,车站地下一层将与地铁三号线和六号线直接连通,旅客出站后不用走出室外就能换乘地铁。车站周边还规划了公交枢纽和出租车蓄车场。",
    "指挥部相关负责人表示,东站建成后,本市到省城的最短时间将缩短到四十分钟,到周边几个城市也基本实现一小时通达。",
    "附近居民对新车站充满期待。在车站对面小区住了十年的张先生说,以前坐高铁要穿过整个城区去西站,以后在家门口就能上车了。",
    "据了解,车站周边还将建设商业街、公园和绿色步道,形成一个集交通、办公和居住于一体的新城区。",
)

ART["lunch"] = zh(
    "中小学午餐改革试点 学生可在线选择菜品",
    "从本学期开始,全市二十所中小学开展午餐改革试点。学生和家长可以提前一周在手机上查看菜单,并从三种套餐中选择自己喜欢的菜品。",
    "试点学校的食堂都配备了专职营养师,每周的菜单要经过营养师审核,确保荤素搭配合理。每份午餐的价格保持不变,家长不需要额外付费。",
    "一所小学的校长介绍说,以前学生剩饭剩菜比较多,每天要倒掉好几桶。试点以后,学生吃的是自己选的菜,浪费现象明显减少。",
    "食堂还在取餐窗口旁边设置了“光盘打卡”区域,吃完饭的学生可以在屏幕上打卡,每月打卡次数多的班级会获得小奖励。",
    "也有家长提出,希望学校能公开食材的采购来源。教育部门表示,下个月起将在每所学校门口公示每天的食材供应商和检测报告。",
    "如果试点效果良好,这项改革将在明年秋季学期推广到全市所有公办中小学。",
)

ART["river"] = zh(
    "城区河道治理见成效 白鹭重回护城河",
    "经过两年多的综合治理,流经城区的护城河水质明显改善。最近,不少市民在河边散步时发现,一群白鹭在河滩上觅食,成为一道亮丽的风景。",
    "据市水务部门介绍,治理工程主要包括截断污水管、清理河底淤泥和恢复岸边植被三个部分。目前,沿河所有的排污口都已完成改造,生活污水全部接入污水处理厂。",
    "河道两岸原来是水泥护坡,现在改成了种满芦苇和菖蒲的生态护岸。这些水生植物不仅能净化水质,还为鸟类和鱼类提供了栖息的场所。",
    "在河边钓鱼的赵师傅说,以前河水发黑发臭,夏天根本不敢靠近,现在水清了,鱼也多了,每天傍晚来这里的人越来越多。",
    "不少学校也把护城河当作自然课堂,组织学生来河边观察水生植物和鸟类,了解水环境保护的知识。",
    "水务部门表示,接下来将建立河长巡查制度,每周对河道进行巡查,发现问题及时处理,防止污染反弹。",
)

ART["market"] = zh(
    "传统菜市场变身智慧市场 摊位价格一屏可查",
    "城北的一家老菜市场经过三个月的改造,近日重新开门营业。走进市场,最显眼的是入口处的一块大屏幕,上面实时显示着每个摊位的蔬菜、肉类价格。",
    "市场管理方介绍,每个摊位都配备了联网的电子秤,称重后价格自动上传到系统,顾客可以扫描小票上的二维码查看商品的来源和检测信息。",
    "改造后的市场还统一了地面排水和通风系统,过去地面湿滑、气味重的问题得到了解决。水产区和熟食区也与蔬菜区分开,顾客购物的动线更加清晰。",
    "卖了二十年蔬菜的陈阿姨一开始担心自己不会用新设备,后来工作人员手把手教了几次,现在已经能熟练操作。她说,电子秤算账又快又准,和顾客也少了很多争执。",
    "附近居民普遍反映,市场变干净了,价格也更透明。有居民建议,希望市场能增加一些便民服务,比如磨刀和修鞋等摊位。",
    "区商务部门表示,今年还将对另外四家老菜市场进行类似的改造,并在每个市场设立消费者投诉服务点。",
)

ART["canteen"] = zh(
    "社区长者食堂开业 老人吃饭有了好去处",
    "本周一,位于东湖街道的第一家社区长者食堂正式开业。食堂每天提供早餐和午餐,六十岁以上的老人凭身份证就餐可以享受优惠价格。",
    "记者中午来到食堂时看到,不少老人正在排队打饭。当天的午餐有红烧鱼块、番茄炒蛋、清炒青菜和紫菜汤,一荤两素一汤只需要十二元。",
    "食堂负责人介绍,菜品在设计时充分考虑了老年人的口味和健康需求,做得偏软、偏淡,少油少盐。对于行动不便的老人,食堂还提供送餐上门服务。",
    "食堂还设置了老年人专用的就餐区,桌椅都加装了扶手,地面做了防滑处理,卫生间里也安装了紧急呼叫按钮。",
    "家住附近的刘奶奶今年七十八岁,儿女都在外地工作。她说,以前一个人做饭经常凑合,现在每天来食堂吃饭,还能和老邻居聊聊天,心情都好了不少。",
    "街道办事处表示,今年计划在辖区内再开设三家长者食堂,争取让老人步行十五分钟就能吃上热饭热菜。",
)

ART["museum"] = zh(
    "市博物馆推出周五夜场 下班后也能看展览",
    "从本月起,市博物馆每周五的开放时间延长到晚上九点,这是博物馆开馆以来第一次推出常态化的夜间开放。",
    "博物馆负责人介绍,很多上班族平时工作忙,只有周末才有时间参观,而周末馆内人多,观展体验并不好。推出夜场后,希望能分流一部分观众。",
    "夜场期间,博物馆将安排专业讲解员每小时进行一次免费讲解,并在一楼大厅举办小型音乐会和文物修复演示活动。",
    "第一个夜场当晚,共有一千二百多名观众入馆参观。在一家公司做设计的小周说,下班后和同事一起来看展,人不多,可以慢慢看,感觉很放松。",
    "为了配合夜场,博物馆周边的两条公交线路也相应延长了末班车时间,方便观众看完展览后乘车回家。",
    "博物馆提醒,夜场同样需要提前在网上预约,入馆时间截止到晚上八点。馆内的咖啡厅和文创商店也会延长营业时间。",
)

ART["nightmarket"] = zh(
    "滨河夜市重新开张 地方小吃吸引大批市民",
    "停业半年进行升级改造的滨河夜市本周五晚上重新开张。夜市共有一百二十个摊位,其中一半以上经营本地特色小吃。",
    "改造后的夜市统一了摊位的外观,每个摊位都配备了油烟净化设备和垃圾分类桶,地面也重新铺设,比以前干净整洁了许多。",
    "开张当晚,夜市里人头攒动。烤串、糖水、煎饼和炒粉的摊位前都排起了长队,一些摊主说,一晚上的营业额比改造前多了近一倍。",
    "不少网友在夜市的官方账号下留言点赞👍,也有人建议增加一些座位,方便带老人和孩子的家庭坐下来慢慢吃。",
    "为了缓解停车难的问题,管理方在附近新开放了两个临时停车场,并增加了公交夜班车的班次。城管部门也安排了人员在现场维持秩序。",
    "夜市管理方表示,每个月还将举办一次主题活动,邀请本地乐队和手工艺人参与,让夜市不只是吃东西的地方。营业时间为每天下午六点到晚上十二点。",
)

ART["parcel"] = zh(
    "小区快递驿站推出夜间取件服务 上班族不再担心错过",
    "为了方便上班族取快递,本市多个小区的快递驿站从本周起推出夜间取件服务,营业时间延长到晚上十点半。",
    "驿站负责人介绍,过去驿站晚上八点就关门,很多居民下班回来时已经关门了,只能第二天一早再来取,有时还会耽误急用的物品。",
    "除了延长营业时间,驿站还在门口安装了智能快递柜。居民收到取件码后,即使是深夜也可以自助取件。",
    "在一家科技公司上班的小林说,他经常加班到很晚,以前周末要专门跑一趟驿站,现在下班路过就能顺手取走,省了不少时间。",
    "有居民提出,驿站门口的快递堆放过多,影响通行。对此,驿站表示将调整货架位置,并在高峰时段增加工作人员。",
    "据了解,夜间取件服务目前在二十多个小区试行,快递企业将根据居民的使用情况,决定是否在全市推广。",
)

ART["ferry"] = en(
    "Harbor Ferry Service Resumes After Winter Repairs",
    "The passenger ferry linking the old harbor district with Gull Island resumed service on Monday morning after a three-month closure for hull and engine repairs.",
    "The first crossing left the pier at 6:40 a.m. with about sixty commuters on board, many of whom had spent the winter taking a much longer detour by bus across the north bridge.",
    "Port officials said the vessel received a new pair of engines, a repainted hull and a heated passenger cabin, which should make the twenty-minute trip more comfortable on cold mornings.",
    "Fares remain unchanged, and children under twelve still ride free.",
    "\u201cWe missed the boat more than we expected,\u201d said Mara Lind, a nurse who lives on the island. \u201cThe bus takes almost an hour. This is twenty minutes and you get to see the water.\u201d",
    "The harbor authority plans to add an evening crossing on weekends starting in May, depending on demand.",
)
# Same article as re-typed by another outlet: different letter case and extra punctuation only.
ART["ferry_shouty"] = en(
    "HARBOR FERRY SERVICE RESUMES AFTER WINTER REPAIRS!!",
    "The passenger ferry -- linking the old harbor district with Gull Island -- resumed service on Monday morning, after a three-month closure for hull and engine repairs!",
    "The FIRST crossing left the pier at 6:40 a.m., with about sixty commuters on board... many of whom had spent the winter taking a much longer detour by bus across the North Bridge.",
    "Port officials said the vessel received a new pair of engines, a repainted hull, and a heated passenger cabin -- which should make the twenty-minute trip more comfortable on cold mornings.",
    "Fares remain UNCHANGED; and children under twelve still ride FREE!",
    "\"We missed the boat more than we expected!\" said Mara Lind, a nurse who lives on the island. \"The bus takes almost an hour... This is twenty minutes, and you get to see the water.\"",
    "The Harbor Authority plans to add an evening crossing on weekends, starting in May (depending on demand).",
)

ART["robotics"] = en(
    "School Robotics Club Qualifies for National Finals",
    "A team of eight students from Riverside Middle School has qualified for the national robotics finals after finishing second at the regional competition last weekend.",
    "Their robot, nicknamed Pebble, had to sort colored blocks, climb a small ramp and park itself inside a marked square, all within two and a half minutes.",
    "The club meets twice a week in a corner of the school library, where volunteers from a local engineering firm help the students with wiring and programming.",
    "\u201cMost of our parts came from old printers and toy cars,\u201d said team captain Lena Ortiz, fourteen. \u201cWe learned more from fixing broken things than from the kit.\u201d",
    "The school is raising money to cover travel costs for the finals, which will be held in June. Parents have organized a bake sale and a used-book fair for next month.",
)

ART["birds"] = en(
    "Volunteers Count Birds Along the River for Spring Survey",
    "More than one hundred volunteers spent Saturday morning walking the riverbanks with binoculars and notebooks as part of the city's annual spring bird survey.",
    "Organizers divided the river into twelve sections, and each group recorded every bird it saw or heard over a two-hour period.",
    "Early results show a rise in the number of herons and kingfishers, which the organizers link to cleaner water and the new reed beds planted along the banks last year.",
    "\u201cTen years ago we would see maybe two or three kingfishers in a whole morning,\u201d said survey coordinator Tom Berg. \u201cToday one group counted eleven.\u201d",
    "The full results will be published on the city's website next month, and the data will be shared with the regional wildlife office.",
)

# --- data/pages ---

ART["textile"] = zh(
    "旧纺织厂变身文创园区 百年厂房焕发新生机",
    "位于城东的旧纺织厂停产十多年后,经过改造,近日以文创园区的身份重新对外开放。园区保留了原有的红砖厂房和锯齿形屋顶,吸引了不少市民前来拍照打卡。",
    "园区运营方介绍,目前已有四十多家企业入驻,主要包括设计工作室、独立书店、咖啡馆和手工作坊。一些老厂房被改造成展览空间,定期举办摄影展和设计展。",
    "园区内还保留了几台老式织布机,作为工业遗产进行展示。曾在这家纺织厂工作过二十年的孙阿姨说,看到这些机器还在,觉得很亲切,好像又回到了年轻的时候。",
    "为了方便市民参观,园区在周末开放免费导览,讲解员会带领游客了解纺织厂的历史和改造过程。",
    "运营方表示,下一步将引入更多文化活动,把园区打造成城东的一个文化地标。",
)

ART["furuhon"] = Article(
    "駅前の商店街で春の古本市が始まる",
    [
        "駅前の商店街で、毎年恒例の春の古本市が今週末から始まった。市内の古書店や個人の出店者など約三十店が参加し、通りには文庫本や絵本、古い雑誌などが並んでいる。",
        "会場には朝から多くの人が訪れ、掘り出し物を探して熱心に棚を見て回っていた。昔の料理雑誌を手に取った女性は「母が持っていたものと同じで懐かしい」と話していた。",
        "今年は子ども向けのコーナーが新たに設けられ、絵本の読み聞かせ会も毎日午後に開かれる。主催者によると、若い家族連れの来場者が年々増えているという。",
        "商店街の組合長は「本をきっかけに商店街を歩いてもらい、ほかの店にも立ち寄ってほしい」と期待を寄せている。",
        "古本市は来週の日曜日まで開かれ、時間は午前十時から午後六時まで。雨の場合はアーケードの中で開催される。",
    ],
)

ART["garden_ko"] = Article(
    "동네 공원에 주민 참여형 텃밭 문을 열어",
    [
        "시내 한 동네 공원에 주민들이 직접 가꾸는 공동 텃밭이 이번 주에 문을 열었다. 텃밭은 모두 마흔 개 구획으로 나뉘어 있으며, 추첨으로 뽑힌 가족들이 일 년 동안 사용하게 된다.",
        "개장 첫날에는 아이들과 함께 온 가족들이 상추와 방울토마토 모종을 심으며 즐거운 시간을 보냈다. 한 참가자는 아이가 흙을 만지며 채소가 자라는 과정을 직접 볼 수 있어서 좋다고 말했다.",
        "구청은 텃밭 옆에 빗물 저장 탱크와 공구 보관함을 설치했으며, 매달 한 번씩 전문가를 초청해 유기농 재배 교육을 진행할 예정이다.",
        "구청 관계자는 이웃끼리 자연스럽게 만나 이야기를 나누는 공간이 되기를 바란다며, 반응이 좋으면 다른 공원에도 텃밭을 늘릴 계획이라고 밝혔다.",
    ],
)

ART["market_th"] = Article(
    "ตลาดน้ำริมคลองเปิดให้บริการวันหยุดสุดสัปดาห์",
    [
        "ตลาดน้ำริมคลองแห่งใหม่เปิดให้บริการเป็นครั้งแรกเมื่อวันเสาร์ที่ผ่านมา มีพ่อค้าแม่ค้าพายเรือนำผลไม้ อาหาร และขนมไทยมาขายกว่าห้าสิบลำ",
        "นักท่องเที่ยวจำนวนมากเดินทางมาเที่ยวตั้งแต่เช้า หลายคนนั่งกินก๋วยเตี๋ยวเรือริมน้ำ และถ่ายรูปกับบ้านไม้เก่าที่ตั้งอยู่สองฝั่งคลอง",
        "ผู้จัดการตลาดกล่าวว่า ตลาดจะเปิดทุกวันเสาร์และวันอาทิตย์ ตั้งแต่เจ็ดโมงเช้าถึงบ่ายสามโมง และขอให้ผู้มาเที่ยวช่วยกันรักษาความสะอาดของคลอง",
        "ชาวบ้านในชุมชนหวังว่าตลาดน้ำจะช่วยสร้างรายได้ให้กับครอบครัว และทำให้คนรุ่นใหม่หันมาสนใจวิถีชีวิตริมน้ำมากขึ้น",
    ],
)

ART["doctor"] = zh(
    "家庭医生上门服务覆盖全部社区 慢性病患者复诊更方便",
    "记者从市卫生健康部门获悉,全市所有社区卫生服务中心都已开通家庭医生上门服务,签约居民可以通过电话或手机预约医生到家中看诊。",
    "家庭医生团队一般由一名全科医生、一名护士和一名公共卫生人员组成,主要为高血压、糖尿病等慢性病患者提供定期随访、用药指导和健康评估。",
    "患有糖尿病多年的周大爷行动不便,以前每个月都要让儿子请假陪他去医院开药。现在家庭医生每两周上门一次,量血压、测血糖,还会根据情况调整用药。",
    "卫生部门表示,下一步将推动社区卫生服务中心与大医院之间的转诊绿色通道,让签约居民在需要时能更快获得专科诊疗。",
)

ART["raingarden"] = en(
    "Neighbors Turn a Flooded Corner Into a Rain Garden",
    "For years, the corner of Maple Street and Fifth Avenue turned into a shallow pond after every heavy storm, forcing pedestrians to walk in the road.",
    "This spring, a group of neighbors worked with the city's water department to dig out the corner and replace the grass with native plants that soak up runoff.",
    "The new rain garden can hold several thousand liters of water, which slowly drains into the soil instead of rushing into the storm sewer.",
    "\u201cAfter the first big rain, the sidewalk was dry,\u201d said resident Priya Shah. \u201cPeople actually stopped to ask what we had done.\u201d",
)

# --- data/crawl.warc.wet ---

ART["village_school"] = zh(
    "山区小学开通网络课堂 孩子们和城里学生同上一节课",
    "在离县城六十多公里的一所山区小学,三十多名学生第一次通过网络课堂,和城里学校的学生一起上了一节音乐课。",
    "这所学校只有七名老师,过去音乐、美术和英语课很难开齐。今年,县教育部门为学校接通了高速网络,并安装了互动教学设备。",
    "上课时,城里老师的画面出现在教室前方的大屏幕上,山区的学生可以举手发言,两边的孩子还能互相看到对方,一起合唱。",
    "学校校长说,网络课堂让孩子们看到了更大的世界,接下来还计划开设科学实验和阅读分享等课程。",
)

ART["buskers"] = en(
    "Subway Musicians Get Official Stages at Five Stations",
    "Street musicians who play in the city's subway stations now have five official performance spots, each marked with a painted circle and equipped with a power outlet.",
    "Performers must sign up for two-hour slots through a free online booking system, which transit officials say should end disputes over the best locations.",
    "Violinist Ana Duarte, who has played at Central Station for six years, welcomed the change. \u201cBefore, you had to arrive at dawn to get a good spot,\u201d she said.",
    "The transit authority will review the program after six months and may add more stations if it proves popular.",
)

ART["bikes"] = zh(
    "共享单车停放新规实施 地铁口乱停现象明显减少",
    "本市共享单车停放新规实施一个月以来,地铁站出入口周边车辆乱停乱放的现象明显减少。",
    "按照新规,主要地铁站周边都划定了电子围栏停车区,用户必须把车停在指定区域内才能结束骑行,否则将被收取额外的调度费用。",
    "运营企业还增加了早晚高峰时段的调度人员,及时把堆积的车辆转运到需求较大的区域。",
    "有市民表示,刚开始找停车点有些不习惯,但现在地铁口宽敞了,走路也方便了很多。",
)

ART["beach"] = Article(
    cn("国际志愿者周末清洁海滩 International volunteers clean up the beach"),
    [
        cn("上周六上午,来自十多个国家的八十多名志愿者来到南湾海滩,参加了一场海滩清洁活动。"),
        "More than eighty volunteers from over ten countries gathered at South Bay beach on Saturday morning for a beach clean-up.",
        cn("志愿者们在两个小时里共捡拾了约两百公斤垃圾,其中大部分是塑料瓶、泡沫和渔网碎片。"),
        "In two hours they collected about two hundred kilograms of litter, most of it plastic bottles, foam and pieces of fishing net.",
        cn("活动组织者表示,希望通过这样的活动,让更多人关注海洋环境保护。"),
        "The organizers said they hope events like this will encourage more people to care about the ocean.",
    ],
)

ART["water_notice"] = zh(
    "关于部分区域临时停水的通知",
    "因供水管道改造施工需要,本周三上午九时至下午五时,城南片区部分小区将暂停供水。",
    "停水期间,请居民提前做好储水准备。施工结束后将尽快恢复供水,恢复初期水质可能略显浑浊,放水片刻即可正常使用。",
    "由此给大家带来的不便,敬请谅解。如有疑问,请拨打供水服务热线咨询。",
)

# --- data/compressed/crawl2.warc.wet.gz ---

ART["elevator"] = zh(
    "老地铁站加装无障碍电梯 轮椅乘客出行更方便",
    "地铁一号线是本市最早建成的地铁线路,部分老车站一直没有无障碍电梯,坐轮椅的乘客只能绕行到其他车站。",
    "今年,地铁公司启动了老车站无障碍改造工程,目前已有六座车站完成了电梯加装,剩下的四座将在年底前完工。",
    "经常坐轮椅出行的陈先生说,以前坐地铁要提前查好哪个站有电梯,现在方便多了,家门口的车站就能直接进出。",
)

ART["exam_library"] = en(
    "Library Extends Hours During Exam Season",
    "The central library will stay open until midnight for the next three weeks to give students a quiet place to study during the exam season.",
    "Extra tables have been added to the second floor, and the cafe on the ground floor will serve hot drinks until eleven.",
    "Library staff ask visitors to keep phone calls in the lobby and to avoid leaving bags on empty seats for long periods.",
)

ART["rapeseed"] = zh(
    "城郊油菜花进入盛花期 周末赏花注意错峰出行",
    "城郊万亩油菜花田近日进入盛花期,金黄色的花海一眼望不到边,吸引了大批市民前去游玩。",
    "景区管理方提醒,周末上午十点到下午三点是游客高峰,建议市民错峰出行,尽量乘坐公共交通或旅游专线。",
    "赏花时请不要进入田间踩踏和采摘,以免影响油菜的生长和后期收成。",
)

# --- data/compressed/pages/extra.txt.zst ---

ART["cherry"] = zh(
    "公园樱花陆续开放 夜间灯光秀同步上线",
    "随着气温回升,市植物园的两千多株樱花陆续开放,预计本周末将进入最佳观赏期。",
    "今年植物园首次在樱花林中布置了夜间灯光,每晚七点到九点开放夜游,市民下班后也能来赏花。",
    "植物园提醒,园内禁止攀折花枝和放飞无人机,夜游期间请沿着指定路线参观,注意脚下安全。",
    "为减少排队时间,植物园开通了线上预约,预约成功的游客可以凭二维码直接入园。",
)

# --- data/compressed/more.jsonl.gz (site D, a local lifestyle blog) ---

ART["hiking"] = zh(
    "周末去哪儿 三条适合新手的郊野徒步路线",
    "天气渐暖,很多朋友问有没有适合新手的徒步路线。今天给大家推荐三条距离市区不远、难度不大的郊野路线,一家人去也完全没问题。",
    "第一条是北山水库环线,全程约八公里,大部分是平缓的林间小道,沿途可以看到水库全景。建议早上出发,中午在水库边野餐。",
    "第二条是竹林古道,全长五公里左右,石板路保存得比较完整,夏天走在竹林里非常凉快。古道尽头有一个小村子,可以买到农家自制的笋干。",
    "第三条是西岭花海步道,春天漫山遍野都是野杜鹃,拍照特别好看。不过这条路有一段上坡比较陡,带老人和小孩的话要量力而行。",
    "最后提醒大家,出发前一定要查看天气预报,穿防滑的鞋子,带足饮用水,不要随意偏离已有的道路。",
)

ART["tomato"] = zh(
    "一道番茄炒蛋 做好了也不简单",
    "番茄炒蛋大概是很多人学会的第一道菜,但想做得好吃,还是有一些小窍门的。",
    "番茄要选熟透的,表皮红而发软的最好。先在顶部划个十字,用开水烫一下,皮就很容易撕掉,炒出来的汤汁更浓。",
    "鸡蛋打散时加一点点清水,炒出来会更蓬松。油温不要太高,蛋液下锅后稍微凝固就盛出来,不要炒老了。",
    "番茄下锅后加少许盐,炒出汤汁后再把鸡蛋倒回去,喜欢酸甜口味的可以加半勺糖。出锅前撒一把葱花,就是一盘下饭的家常菜。",
)

ART["balcony"] = zh(
    "在阳台种菜的第一年 我学到的几件事",
    "去年春天,我在家里的小阳台上摆了几个花盆,开始尝试种菜。一年下来,收获不算多,但学到了不少东西。",
    "首先是选对品种。阳台光照有限,小白菜、生菜和香葱这类叶菜最容易成功,而番茄和辣椒需要充足的阳光,我种的几棵都没怎么结果。",
    "其次是浇水不能太勤。刚开始我每天都浇,结果根都泡烂了。后来改成摸一摸土,表层干了再浇,菜反而长得更好。",
    "最大的收获是心情。每天下班回家看看阳台上的绿色,就觉得一天的疲惫少了一半。今年打算再多种几样,到时候再来和大家分享。",
)

ART["cycling"] = zh(
    "沿着江边骑一圈 城市骑行路线分享",
    "上周末和几个朋友沿着滨江绿道骑了一整圈,全程大约三十公里,用了三个多小时,一路上风景很好,推荐给喜欢骑行的朋友。",
    "绿道全程有独立的自行车道,和行人道是分开的,路面平整,基本没有红绿灯,骑起来非常顺畅。",
    "沿途有好几个驿站,可以休息、补水和打气。中途经过的湿地公园里有很多水鸟,我们停下来看了好一会儿。",
    "需要注意的是,周末下午绿道上的人比较多,骑行时要控制速度,注意避让行人和小朋友。",
)

ART["kitchen"] = en(
    "Four Small Habits for a Tidier Kitchen",
    "A tidy kitchen is less about big weekend cleanups and more about small habits that take a minute or two each day.",
    "First, wash the pan while the food is resting. By the time dinner is on the table, the worst of the mess is already gone.",
    "Second, keep one empty shelf in the fridge. It makes room for leftovers and forces you to notice what needs to be eaten first.",
    "Third, give every tool a home, and put it back there even when you are in a hurry. The seconds you save by dropping it anywhere are lost the next time you search for it.",
    "Finally, end the day by wiping the counters. Waking up to a clean kitchen makes breakfast feel much easier.",
)

ART["oldphone"] = zh(
    "家里的旧手机别乱扔 这样处理更安全",
    "很多家庭的抽屉里都躺着几部不用的旧手机。直接扔进垃圾桶既浪费资源,电池还可能带来安全隐患。",
    "处理旧手机之前,第一步是备份重要的照片和通讯录,然后退出所有账号,再恢复出厂设置,防止个人信息泄露。",
    "如果手机还能用,可以送给家里的老人当备用机,或者捐给公益组织。已经坏掉的手机,可以送到正规的回收点,一些手机品牌的门店也提供以旧换新服务。",
    "千万不要自己拆电池,鼓包的电池要单独存放,交给专业机构处理。",
)

ART["coffee"] = zh(
    "藏在老巷子里的一家小咖啡店",
    "在老城区的一条小巷里,有一家只有六个座位的咖啡店。店面不大,门口摆着几盆绿植,很容易错过。",
    "店主是一对年轻夫妻,以前都在大城市工作,三年前回到家乡开了这家店。他们每周自己烘焙咖啡豆,菜单上只有五六种饮品。",
    "我点了一杯手冲,店主一边冲一边介绍豆子的产地和风味。咖啡入口有淡淡的花香,回味带一点甜,价格也很实在。",
    "店里的墙上贴满了客人留下的明信片,很多都是路过这座城市的游客写的。坐在窗边看着巷子里来来往往的人,时间好像慢了下来。",
)

ART["damp"] = zh(
    "梅雨季节到了 家里防潮有这几招",
    "进入梅雨季节,空气湿度大,衣服晾不干,墙角还容易发霉。分享几个简单实用的防潮小方法。",
    "晴天的时候要抓紧开窗通风,阴雨天则尽量关窗,避免潮气进入室内。有条件的家庭可以开空调的除湿模式。",
    "衣柜里可以放几包干燥剂或者竹炭包,定期拿出来晒一晒还能重复使用。鞋柜里塞几张旧报纸,也能吸收不少湿气。",
    "卫生间和厨房是最容易发霉的地方,用完后要及时擦干台面和地面的积水。",
)

# --- data/compressed/more.jsonl.zst (site E, a regional portal) ---

ART["bookshelf"] = zh(
    "地铁站里的图书漂流角受到乘客欢迎",
    "最近,地铁二号线的几个站点设置了图书漂流角,乘客可以免费取阅书架上的图书,看完后放回任意一个站点的书架即可。",
    "书架上的图书主要来自市民捐赠,种类包括小说、散文、历史和儿童读物。每本书的扉页都贴着一张漂流卡,读者可以在上面写下自己的感想。",
    "地铁运营方表示,开放一个月以来,漂流角共流转图书两千多册,丢失率比预想的低得多。不少乘客还主动带来了自己家里的书。",
    "一位经常乘坐地铁上班的乘客说,通勤路上有四十分钟,以前总是刷手机,现在会顺手拿一本书看,一个月已经读完了两本。",
)

ART["pool"] = en(
    "City Pool Reopens With Longer Evening Hours",
    "The Eastside public pool reopened on Saturday after a two-month renovation that replaced the filtration system and added a shallow area for young children.",
    "The pool will now stay open until nine in the evening on weekdays, two hours later than before, to make room for residents who work during the day.",
    "Swimming lessons for beginners start next week. Places are limited, and the city recommends registering online as early as possible.",
    "Lifeguard Sam Okafor said the new water system makes a visible difference. \u201cYou can see the lines on the bottom from the far end now,\u201d he said.",
)

ART["senior_college"] = zh(
    "老年大学秋季班开始报名 新增智能手机课程",
    "市老年大学秋季班将于下周一开始报名。今年共开设四十多门课程,除了书法、国画、太极拳等传统课程外,还新增了智能手机使用和短视频制作课程。",
    "学校负责人介绍,很多老人反映不会用手机挂号、打车和网上缴费,给日常生活带来不便。新开的手机课程会从最基础的操作讲起,每个班不超过二十人。",
    "报名可以在学校现场办理,也可以由子女代为在网上报名。部分热门课程名额有限,将按照报名先后顺序录取。",
)

ART["cats"] = zh(
    "志愿者为小区流浪猫做绝育 减少流浪动物数量",
    "近日,一个由年轻人组成的志愿者团队在几个老小区开展流浪猫救助活动,为小区里的流浪猫免费做绝育手术。",
    "志愿者介绍,流浪猫繁殖很快,如果不加控制,数量会越来越多,也容易引发邻里矛盾。绝育后的猫会在耳朵上做一个小标记,然后放回原来的地方。",
    "这项活动得到了附近几家宠物医院的支持,手术费用由医院减免一部分,其余由志愿者团队募捐解决。",
    "志愿者也呼吁居民不要随意遗弃宠物,如果有领养意愿,可以联系团队了解情况。",
)

ART["farmers"] = en(
    "Weekend Farmers Market Moves Indoors for the Winter",
    "The weekend farmers market will move into the old railway depot from the first Saturday of November, organizers announced this week.",
    "About forty stalls will take part, selling vegetables, eggs, honey, bread and cheese from farms within an hour's drive of the city.",
    "The depot has heating and better lighting than the car park where the market is held in summer, and a small stage will host local musicians on Saturday mornings.",
    "The market will return to its outdoor location in April.",
)

ART["streetlights"] = zh(
    "背街小巷路灯全部换新 居民夜归不再摸黑",
    "今年以来,全市对老城区三百多条背街小巷的路灯进行了改造,原来的老式灯泡全部换成了节能灯,一些没有路灯的巷子也新装了灯杆。",
    "住在老巷子里的居民说,以前晚上回家要打着手机照明,遇到下雨天更是担心摔倒。现在巷子里亮堂了,走路安心多了。",
    "新装的路灯可以根据天色自动开关,深夜时段还会自动调低亮度,既节约用电,又不影响居民休息。",
)

ART["blood"] = zh(
    "高校学生踊跃参加无偿献血",
    "本周,市中心血站的献血车开进了三所高校,两天时间里共有八百多名学生参加了无偿献血。",
    "不少学生是第一次献血。一名大二学生说,开始有点紧张,但医护人员一直在旁边和他聊天,抽完血才发现没有想象中那么疼。",
    "血站工作人员提醒,献血前一天要注意休息,不要空腹,也不要吃油腻的食物。献血后要适当补充水分,当天避免剧烈运动。",
)

ART["sports_day"] = zh(
    "社区运动会上演“全家总动员”",
    "上周六,一场别开生面的社区运动会在街道体育场举行,三百多名居民参加了拔河、跳绳、两人三足等十几个比赛项目。",
    "和普通运动会不同,这次很多项目要求家庭组队参加。爷爷奶奶、爸爸妈妈和孩子一起上场,现场笑声和加油声不断。",
    "街道工作人员说,举办运动会的目的是让邻居们多走出家门、多交流。比赛结束后,不少家庭还互相加了联系方式,约好以后一起锻炼。",
)


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------


@dataclass
class Doc:
    label: str            # id (jsonl), path under data/ (txt), or WARC-Target-URI (wet)
    text: str             # the text exactly as written to the file
    expected: list[str]   # paragraphs canon should keep (title + body, footer gone)
    footer: str | None    # footer key ("A".."E") or None
    note: str = ""
    title: str = ""
    url: str = ""
    site: str = ""
    escaped: bool = False  # jsonl line written with ensure_ascii=True
    crawled_at: str = ""


SITE_A = "news.example-a.cn"
SITE_B = "www.example-b.com.cn"
SITE_D = "blog.example-d.net"
SITE_E = "www.example-e.org"


def a_doc(n: int, key: str, note: str, gloss: bool = True, blanks: int = 2, text: str | None = None,
          escaped: bool = False) -> Doc:
    art = ART[key]
    return Doc(
        label=f"siteA-{n:04d}", text=text if text is not None else broken_page(art, FOOTER_A, gloss, blanks),
        expected=art.lines(), footer="A", note=note, title=art.title,
        url=f"https://{SITE_A}/2026/03/{n:04d}.html", site=SITE_A, escaped=escaped,
    )


def b_doc(n: int, key: str, note: str, footer: bool = True, escaped: bool = False, text: str | None = None,
          expected: list[str] | None = None, **kw) -> Doc:
    art = ART[key]
    return Doc(
        label=f"siteB-{n:04d}",
        text=text if text is not None else clean_page(art, FOOTER_B if footer else None, **kw),
        expected=expected or art.lines(), footer="B" if footer else None, note=note, title=art.title,
        url=f"https://{SITE_B}/news/202603{n % 28 + 1:02d}/{1000 + n}.shtml", site=SITE_B, escaped=escaped,
    )


def news_docs() -> list[Doc]:
    a3 = a_doc(3, "tea", "doubled body + glued title; byte-exact copy below")
    docs = [
        a_doc(1, "nightbus", "same article as siteB-0001 (A: glossed, doubled, glued title)"),
        b_doc(1, "nightbus", "same article as siteA-0001, clean"),
        a_doc(2, "library", "near-duplicate of siteB-0014 (B has one extra paragraph): folded as near, kept with --no-near", escaped=True),
        b_doc(2, "festival_full", "full-width digits/Latin/punctuation + ideographic-space indent; = siteB-0003",
              indent="\u3000\u3000"),
        a3,
        b_doc(3, "festival_half", "half-width copy of siteB-0002", escaped=True),
        a_doc(4, "tea", "byte-exact copy of siteA-0003's text (this line uses \\u escapes)", text=a3.text,
              escaped=True),
        b_doc(4, "cold", "republished article (copy 4/6)"),
        a_doc(5, "cold", "republished article (copy 1/6), glossed, doubled"),
        b_doc(5, "cold", "republished article (copy 5/6), ideographic-space indents", indent="\u3000\u3000",
              escaped=True),
        a_doc(6, "cold", "republished article (copy 2/6), one blank before footer", blanks=1, escaped=True),
        b_doc(6, "marathon_scraped", "64-char sentence repeated inline inside one paragraph",
              expected=ART["marathon"].lines()),
        a_doc(7, "robot", "doubled body + glued title + glosses", blanks=1),
        b_doc(7, "market", "same article as siteD-0005 (in compressed/more.jsonl.gz)"),
        a_doc(8, "rail", "same article as siteB-0015; '(暂定名)' is not a gloss and stays"),
        b_doc(8, "ferry", "English; = siteB-0009"),
        a_doc(9, "lunch", "same article as siteB-0016 (which has no footer)", escaped=True),
        b_doc(9, "ferry_shouty", "English copy of siteB-0008 with other letter case and extra punctuation",
              expected=ART["ferry"].lines()),
        Doc(label="siteA-0010", text="\n".join(FOOTER_A), expected=[], footer="A",
            note="footer-only page: empty after boilerplate removal", title="发表评论",
            url=f"https://{SITE_A}/comment/0010.html", site=SITE_A),
        b_doc(10, "canteen", "same article as the WET record https://mirror.example-g.net/life/elder-canteen.html"),
        a_doc(11, "robotics", "English on site A: doubled body + glued title, no glosses", gloss=False),
        b_doc(11, "museum", "same article as a record in compressed/crawl2.warc.wet.gz", escaped=True),
        a_doc(12, "river", "doubled body + glued title + glosses", blanks=1),
        b_doc(12, "cold", "republished article (copy 6/6), blank line between paragraphs", double_spaced=True),
        a_doc(13, "cold", "republished article (copy 3/6), doubled but without glosses", gloss=False),
        b_doc(13, "birds", "English; same article as siteE-0009 (in compressed/more.jsonl.zst)"),
        a_doc(14, "nightmarket", "contains U+1F44D (escaped as a surrogate pair \\ud83d\\udc4d)", escaped=True),
        b_doc(14, "library", "near-duplicate of siteA-0002: one extra paragraph, so not an exact duplicate",
              escaped=True, text=clean_page(Article(ART["library"].title, ART["library"].paras + [LIBRARY_UPDATE]),
                                            FOOTER_B),
              expected=ART["library"].lines() + [LIBRARY_UPDATE]),
        a_doc(15, "parcel", "doubled body + glued title + glosses"),
        b_doc(15, "rail", "same article as siteA-0008, clean"),
        b_doc(16, "lunch", "same article as siteA-0009, clean and without footer", footer=False),
    ]
    for i, d in enumerate(docs):
        day = 2 + i // 4
        d.crawled_at = f"2026-03-{day:02d}T{8 + (i * 7) % 12:02d}:{(i * 13) % 60:02d}:00Z"
    return docs


def page_docs() -> list[Doc]:
    furu = clean_page(ART["furuhon"], FOOTER_C)
    night = ART["nightbus"]
    return [
        Doc("pages/site-c/2026/03/textile-park.txt",
            "\n".join([ART["textile"].title, ART["textile"].title + ART["textile"].paras[0],
                       *ART["textile"].paras[1:], *ART["textile"].paras, "", *FOOTER_C]),
            ART["textile"].lines(), "C", "doubled body + glued title"),
        Doc("pages/site-c/2026/03/furuhon-ichi.txt", furu, ART["furuhon"].lines(), "C",
            "Japanese (kana + kanji, no spaces)"),
        Doc("pages/site-c/2026/04/furuhon-ichi-copy.txt", furu, ART["furuhon"].lines(), "C",
            "byte-exact copy of furuhon-ichi.txt"),
        Doc("pages/site-c/2026/04/community-garden-ko.txt", clean_page(ART["garden_ko"], FOOTER_C),
            ART["garden_ko"].lines(), "C", "Korean"),
        Doc("pages/site-c/2026/04/floating-market-th.txt", clean_page(ART["market_th"], FOOTER_C),
            ART["market_th"].lines(), "C", "Thai"),
        Doc("pages/site-c/2026/05/family-doctor.txt", clean_page(ART["doctor"], FOOTER_C),
            ART["doctor"].lines(), "C", "Chinese, clean"),
        Doc("pages/site-c/2026/05/rain-garden-en.txt", clean_page(ART["raingarden"], FOOTER_C),
            ART["raingarden"].lines(), "C", "English, clean"),
        Doc("pages/mirror/night-bus.txt", clean_page(night), night.lines(), None,
            "cross-format duplicate of news.jsonl siteA-0001 / siteB-0001"),
    ]


def wet_docs() -> list[Doc]:
    return [
        Doc("http://edu.example-f.cn/news/2026/0312/shanqu-xiaoxue.html", doubled_body(ART["village_school"]),
            ART["village_school"].lines(), None, "doubled body (title once)"),
        Doc("https://mirror.example-g.net/life/elder-canteen.html", clean_page(ART["canteen"]),
            ART["canteen"].lines(), None, "copy of news.jsonl siteB-0010"),
        Doc("https://www.example-h.com/city/subway-musicians", clean_page(ART["buskers"]),
            ART["buskers"].lines(), None, "English"),
        Doc("http://bbs.example-f.cn/thread-88213-1-1.html", clean_page(ART["bikes"]),
            ART["bikes"].lines(), None, "same article as siteD-0009 (compressed/more.jsonl.gz)"),
        Doc("https://www.example-h.com/community/beach-cleanup-2026", clean_page(ART["beach"]),
            ART["beach"].lines(), None, "mixed Chinese/English paragraphs"),
        Doc("http://gov.example-f.cn/tzgg/2026/water-outage.html", clean_page(ART["water_notice"]),
            ART["water_notice"].lines(), None, "short Chinese notice"),
    ]


def wet2_docs() -> list[Doc]:
    return [
        Doc("https://metro.example-j.cn/news/accessible-lifts.html", clean_page(ART["elevator"]),
            ART["elevator"].lines(), None, "Chinese, clean"),
        Doc("https://www.example-h.com/city/library-exam-hours", clean_page(ART["exam_library"]),
            ART["exam_library"].lines(), None, "English"),
        Doc("https://culture.example-j.cn/museum-friday-nights.html", clean_page(ART["museum"]),
            ART["museum"].lines(), None, "copy of news.jsonl siteB-0011"),
        Doc("https://travel.example-j.cn/rapeseed-flowers.html", doubled_body(ART["rapeseed"]),
            ART["rapeseed"].lines(), None, "doubled body (title once)"),
    ]


def d_doc(n: int, key: str, note: str, footer: bool = True) -> Doc:
    art = ART[key]
    return Doc(f"siteD-{n:04d}", clean_page(art, FOOTER_D if footer else None), art.lines(),
               "D" if footer else None, note, art.title, f"https://{SITE_D}/p/{2400 + n * 17}", SITE_D,
               escaped=n % 2 == 0)


def e_doc(n: int, key: str, note: str, footer: bool = True) -> Doc:
    art = ART[key]
    return Doc(f"siteE-{n:04d}", clean_page(art, FOOTER_E if footer else None), art.lines(),
               "E" if footer else None, note, art.title, f"https://{SITE_E}/article/{n:04d}.html", SITE_E,
               escaped=n % 3 == 0)


def gz_docs() -> list[Doc]:
    docs = [
        d_doc(1, "hiking", "Chinese"),
        d_doc(2, "tomato", "same article as siteE-0005 (in more.jsonl.zst)"),
        d_doc(3, "balcony", "Chinese"),
        d_doc(4, "cycling", "Chinese"),
        d_doc(5, "market", "same article as news.jsonl siteB-0007"),
        d_doc(6, "kitchen", "English", footer=False),
        d_doc(7, "oldphone", "Chinese"),
        d_doc(8, "coffee", "Chinese"),
        d_doc(9, "bikes", "same article as a record in crawl.warc.wet"),
        d_doc(10, "damp", "Chinese"),
    ]
    for i, d in enumerate(docs):
        d.crawled_at = f"2026-04-{1 + i:02d}T10:{i * 5:02d}:00Z"
    return docs


def zst_docs() -> list[Doc]:
    docs = [
        e_doc(1, "bookshelf", "Chinese"),
        e_doc(2, "pool", "English"),
        e_doc(3, "senior_college", "Chinese"),
        e_doc(4, "cats", "Chinese"),
        e_doc(5, "tomato", "same article as siteD-0002 (in more.jsonl.gz), different footer"),
        e_doc(6, "farmers", "English", footer=False),
        e_doc(7, "streetlights", "Chinese"),
        e_doc(8, "blood", "Chinese"),
        e_doc(9, "birds", "same article as news.jsonl siteB-0013"),
        e_doc(10, "sports_day", "Chinese"),
    ]
    for i, d in enumerate(docs):
        d.crawled_at = f"2026-04-{11 + i:02d}T15:{i * 4:02d}:00Z"
    return docs


def extra_doc() -> Doc:
    return Doc("compressed/pages/extra.txt.zst", clean_page(ART["cherry"], FOOTER_C), ART["cherry"].lines(),
               "C", "Chinese page with the site-C footer")


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def jsonl_bytes(docs: list[Doc]) -> bytes:
    out = []
    for d in docs:
        obj = {"id": d.label, "url": d.url, "site": d.site, "title": d.title, "text": d.text,
               "crawled_at": d.crawled_at}
        if d.escaped:
            out.append(json.dumps(obj, ensure_ascii=True, separators=(",", ":")))
        else:
            out.append(json.dumps(obj, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


def rid(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(UUID_NS, '/'.join(parts))}>"


def block_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_record(headers: list[tuple[str, str]], body: bytes) -> bytes:
    headers = headers + [("Content-Length", str(len(body)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("utf-8") + body + b"\r\n\r\n"


LANGS = {"village_school": "zho", "canteen": "zho", "buskers": "eng", "bikes": "zho", "beach": "zho,eng",
         "water_notice": "zho", "elevator": "zho", "exam_library": "eng", "museum": "zho", "rapeseed": "zho"}


def wet_records(filename: str, docs: list[Doc], day: int) -> list[bytes]:
    info = (
        "Software-Info: canon-sample-generator/1.0\r\n"
        f"Extracted-Date: Fri, {day:02d} Mar 2026 06:00:00 GMT\r\n"
        "robots: checked via sample-robots 1.0\r\n"
        "isPartOf: CANON-SAMPLE-2026-03\r\n"
        "operator: canon sample data (synthetic)\r\n"
        "description: Synthetic WET file for canon tests; all text is invented.\r\n"
    ).encode("utf-8")
    recs = [warc_record([
        ("WARC-Type", "warcinfo"),
        ("WARC-Date", f"2026-03-{day:02d}T06:00:00Z"),
        ("WARC-Filename", filename),
        ("WARC-Record-ID", rid(filename, "warcinfo")),
        ("Content-Type", "application/warc-fields"),
    ], info)]
    for i, d in enumerate(docs):
        body = d.text.encode("utf-8")
        lang = next((v for k, v in LANGS.items() if ART[k].title == d.expected[0]), "zho")
        recs.append(warc_record([
            ("WARC-Type", "conversion"),
            ("WARC-Target-URI", d.label),
            ("WARC-Date", f"2026-03-{day:02d}T{7 + i:02d}:{(i * 17) % 60:02d}:{(i * 29) % 60:02d}Z"),
            ("WARC-Record-ID", rid(filename, "conversion", d.label)),
            ("WARC-Refers-To", rid(filename, "response", d.label)),
            ("WARC-Block-Digest", block_digest(body)),
            ("WARC-Identified-Content-Language", lang),
            ("Content-Type", "text/plain"),
        ], body))
    return recs


def zstd_compress(raw: bytes) -> bytes:
    return subprocess.run([ZSTD, "-q", "-19", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê' -]{1,48}[)）]")


def key(s: str) -> str:
    """Rough model of canon's matching key: NFKC, casefold, drop P*/S*/Z*/C*, drop glosses."""
    s = _GLOSS.sub("", s)
    s = unicodedata.normalize("NFKC", s).casefold()
    return "".join(c for c in s if unicodedata.category(c)[0] not in "PSZC")


def model_repair(text: str) -> list[str]:
    """Rough model of canon's repair stage, enough for the cases built here. Returns keys."""
    kept: list[str] = []
    for line in text.split("\n"):
        k = key(line)
        if not k:
            continue
        for prev in kept:
            if len(prev.encode()) >= 12 and k != prev and k.startswith(prev):
                k = k[len(prev):]
        k = re.sub(r"(.{50,}?)\1", r"\1", k)
        if k and k not in kept:
            kept.append(k)
    return kept


def check_expectations(all_docs: list[Doc]) -> dict[str, list[str]]:
    footer_keys = {key(l) for f in ALL_FOOTERS.values() for l in f}
    final: dict[str, str] = {}
    paras_of: dict[str, list[str]] = {}
    for d in all_docs:
        paras = model_repair(d.text)
        body = [p for p in paras if p not in footer_keys]
        want = [key(l) for l in d.expected if key(l)]
        assert body == want, f"{d.label}: model repair gives\n{body}\nexpected\n{want}"
        final[d.label] = "".join(body)
        paras_of[d.label] = paras
    groups: dict[str, list[str]] = {}
    for label, k in final.items():
        groups.setdefault(k, []).append(label)
    # Boilerplate: footer lines reach >= 5 distinct non-empty copy groups, nothing else does.
    df: dict[str, set[str]] = {}
    for label, paras in paras_of.items():
        for p in paras:
            df.setdefault(p, set()).add(final[label])
    for p, gs in df.items():
        n = len(gs - {""})
        if p in footer_keys:
            assert n >= 5, f"footer line {p!r} only in {n} copy groups"
        else:
            assert n < 5, f"paragraph {p!r} in {n} copy groups would look like boilerplate"
    return {k: v for k, v in groups.items()}


def parse_wet(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    pos, recs = 0, []
    while pos < len(data):
        end = data.index(b"\r\n\r\n", pos)
        lines = data[pos:end].decode("utf-8").split("\r\n")
        assert lines[0] == "WARC/1.0", lines[0]
        assert all("\n" not in l and "\r" not in l for l in lines)
        hdr = dict(l.split(": ", 1) for l in lines[1:])
        n = int(hdr["Content-Length"])
        body = data[end + 4:end + 4 + n]
        assert len(body) == n
        assert data[end + 4 + n:end + 8 + n] == b"\r\n\r\n", "record not followed by CRLF CRLF"
        if "WARC-Block-Digest" in hdr:
            assert hdr["WARC-Block-Digest"] == block_digest(body)
        recs.append((hdr, body))
        pos = end + 8 + n
    return recs


def gzip_members(data: bytes) -> list[bytes]:
    members = []
    while data:
        d = zlib.decompressobj(wbits=31)
        members.append(d.decompress(data) + d.flush())
        assert d.eof
        data = d.unused_data
    return members


def check_files(expect: dict[str, object]) -> None:
    for rel in ("news.jsonl",):
        raw = (DATA / rel).read_bytes()
        ids = []
        for line in raw.decode("utf-8").split("\n")[:-1]:
            obj = json.loads(line)
            assert set(obj) == {"id", "url", "site", "title", "text", "crawled_at"}
            ids.append(obj["id"])
        assert ids == expect["news_ids"] and len(set(ids)) == len(ids)
        assert raw.endswith(b"\n") and b"\r" not in raw
    for rel in ("compressed/more.jsonl.gz", "compressed/crawl2.warc.wet.gz"):
        subprocess.run(["gzip", "-t", str(DATA / rel)], check=True)
    for rel in ("compressed/more.jsonl.zst", "compressed/pages/extra.txt.zst"):
        subprocess.run([ZSTD, "-q", "-t", str(DATA / rel)], check=True)
    for rel, zst in (("compressed/more.jsonl.gz", False), ("compressed/more.jsonl.zst", True)):
        p = DATA / rel
        raw = (subprocess.run([ZSTD, "-q", "-dc", str(p)], stdout=subprocess.PIPE, check=True).stdout
               if zst else gzip.decompress(p.read_bytes()))
        for line in raw.decode("utf-8").split("\n")[:-1]:
            json.loads(line)
        assert raw.count(b"\n") == 10
    recs = parse_wet((DATA / "crawl.warc.wet").read_bytes())
    assert [h["WARC-Type"] for h, _ in recs] == ["warcinfo"] + ["conversion"] * (len(recs) - 1)
    assert [b.decode("utf-8") for _, b in recs[1:]] == expect["wet_texts"]
    members = gzip_members((DATA / "compressed/crawl2.warc.wet.gz").read_bytes())
    assert len(members) == len(expect["wet2_texts"]) + 1, "one gzip member per WARC record"
    recs2 = []
    for m in members:
        r = parse_wet(m)
        assert len(r) == 1
        recs2 += r
    assert [b.decode("utf-8") for _, b in recs2[1:]] == expect["wet2_texts"]
    extra = subprocess.run([ZSTD, "-q", "-dc", str(DATA / "compressed/pages/extra.txt.zst")],
                           stdout=subprocess.PIPE, check=True).stdout.decode("utf-8")
    assert extra == expect["extra_text"]


def check_content(news: list[Doc]) -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for d in news:
        if not d.expected or not han.search(d.expected[0]):
            continue
        body = d.expected[1:]
        assert 6 <= len(body) <= 12, f"{d.label}: {len(body)} paragraphs"
        for p in body:
            n = len(p.strip("\u3000"))
            assert 30 <= n <= 120, f"{d.label}: paragraph of {n} chars: {p}"
    assert len(MARATHON_REPEAT) >= 60
    assert ART["marathon_scraped"].paras[2].startswith(MARATHON_REPEAT * 2)


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def readme(news, pages, wet, wet2, gz, zst, extra, groups, sizes) -> str:
    where = {}
    for d in news:
        where[d.label] = "news.jsonl"
    for d in pages:
        where[d.label] = d.label
    for d in wet:
        where[d.label] = "crawl.warc.wet"
    for d in wet2:
        where[d.label] = "compressed/crawl2.warc.wet.gz"
    for d in gz:
        where[d.label] = "compressed/more.jsonl.gz"
    for d in zst:
        where[d.label] = "compressed/more.jsonl.zst"
    where[extra.label] = "compressed/pages/extra.txt.zst"

    def fmt(label: str) -> str:
        w = where[label]
        return f"`{label}`" if w == label else f"`{label}` ({w})"

    def tbl(docs):
        rows = ["| document | footer | demonstrates |", "|---|---|---|"]
        for d in docs:
            rows.append(f"| `{d.label}` | {d.footer or '-'} | {d.note} |")
        return "\n".join(rows)

    dup_groups = sorted((sorted(v, key=list(where).index) for k, v in groups.items() if len(v) > 1 and k),
                        key=lambda g: list(where).index(g[0]))
    footer_docs = {}
    for d in news + pages + wet + wet2 + gz + zst + [extra]:
        if d.footer:
            footer_docs.setdefault(d.footer, []).append(d.label)
    final = {}
    for k, v in groups.items():
        for l in v:
            final[l] = k
    total = len(news) + len(pages) + len(wet) + len(wet2) + len(gz) + len(zst) + 1
    nonempty = sum(1 for k in groups if k)

    out = [
        "# Sample input for canon",
        "",
        "Small, hand-made input set covering every repair, boilerplate and deduplication case canon",
        "handles. All text is invented for this sample (people, places and events are fictional).",
        "Generated by `scripts/make_sample_data.py`; do not edit by hand, regenerate with",
        "",
        "    python3 scripts/make_sample_data.py",
        "",
        "The script is deterministic (no randomness, gzip mtime 0, uuid5 record ids), so a rerun gives",
        "byte-identical files (the .zst bytes depend on the installed zstd version). It also re-reads",
        "what it wrote and checks it: JSON lines parse, WET Content-Length and WARC-Block-Digest are",
        "exact, `gzip -t` / `zstd -t` pass, and a small model of canon's repair + matching key",
        "reproduces the duplicate groups and footer counts listed below.",
        "",
        "A paragraph is one non-blank line. In JSON records the page text is the `text` field",
        "(paragraphs separated by `\\n`); the title line is part of the text, as a scraper saved it.",
        "",
        "## Files",
        "",
        "| file | bytes | contents |",
        "|---|---|---|",
        f"| `news.jsonl` | {sizes['news.jsonl']} | {len(news)} records (`id`, `url`, `site`, `title`, `text`, `crawled_at`) from two news sites |",
        f"| `pages/**/*.txt` | {sizes['pages']} | {len(pages)} plain UTF-8 pages, one page per file, in subfolders |",
        f"| `crawl.warc.wet` | {sizes['crawl.warc.wet']} | Common Crawl style WET: 1 `warcinfo` + {len(wet)} `conversion` records |",
        f"| `compressed/more.jsonl.gz` | {sizes['compressed/more.jsonl.gz']} | {len(gz)} JSON records from a blog (site D), gzip |",
        f"| `compressed/more.jsonl.zst` | {sizes['compressed/more.jsonl.zst']} | {len(zst)} JSON records from a portal (site E), zstd |",
        f"| `compressed/crawl2.warc.wet.gz` | {sizes['compressed/crawl2.warc.wet.gz']} | WET, 1 `warcinfo` + {len(wet2)} `conversion` records, multi-member gzip (one member per record, as Common Crawl ships it) |",
        f"| `compressed/pages/extra.txt.zst` | {sizes['compressed/pages/extra.txt.zst']} | one page, zstd |",
        "",
        f"{total} documents in all; with the intended repairs they collapse to {nonempty} distinct",
        "non-empty documents plus one page that ends up empty.",
        "",
        "`sample.parquet` is not written here but by `scripts/make_parquet_fixtures.py` (with",
        "pyarrow): 8 more rows (`wiki-p01`…`wiki-p08`: `id`, `url`, `text`, `views`) from a wiki",
        "(`wiki.example-f.org`) and its mirror (`mirror.example-g.net`), in 2 row groups, zstd;",
        "`wiki-p02` and `wiki-p07` copy `wiki-p01` and `wiki-p06`, `wiki-p04` is a near copy of",
        "`wiki-p03`. They share no text with the documents above.",
        "",
        "## Sites and their footers (boilerplate)",
        "",
        "| site | footer lines | pages carrying it |",
        "|---|---|---|",
    ]
    site_names = {"A": f"{SITE_A} (`siteA-*`)", "B": f"{SITE_B} (`siteB-*`)", "C": "example-c.org (`pages/site-c/**`, `extra.txt.zst`)",
                  "D": f"{SITE_D} (`siteD-*`)", "E": f"{SITE_E} (`siteE-*`)"}
    for f, lines in ALL_FOOTERS.items():
        labels = footer_docs.get(f, [])
        ngroups = len({final[l] for l in labels} - {""})
        out.append(f"| {site_names[f]} | " + " / ".join("`" + l.replace("|", "\\|") + "`" for l in lines)
                   + f" | {len(labels)} pages, {ngroups} unrelated copy groups |")
    out += [
        "",
        "Every footer reaches the 5-unrelated-document threshold, so its lines are boilerplate.",
        "No other paragraph does: the republished weather article (`cold` below) occurs in 6",
        "documents but they are one copy group, so its paragraphs must stay.",
        "",
        "Site A mimics a broken scraper: the title line twice, a third copy of the title glued to the",
        "first body paragraph (no newline), the whole body a second time, one or two blank lines, the",
        "footer. Its Chinese text carries pinyin glosses after some words (`记者(jìzhě)`, `旅客(lǚkè)`)",
        "and some half-width `,` `:` in place of `，` `：`. Site B pages are clean: title once, body,",
        "footer.",
        "",
        "## Expected duplicate groups",
        "",
        "After repair (repeated paragraphs dropped, glued title cut, repeated 50+ character runs cut),",
        "boilerplate removal and matching on the normalized key (NFKC, case folded, punctuation,",
        "symbols and whitespace removed, romanization glosses removed), these documents have the same",
        "text; canon should keep one of each group:",
        "",
    ]
    for g in dup_groups:
        out.append("- " + ", ".join(fmt(l) for l in g))
    out += [
        "",
        "Every other document is unique as an exact copy. `siteA-0002` and `siteB-0014` (same article,",
        "but B has one more paragraph) are not exact duplicates; the near-duplicate stage folds",
        "`siteA-0002` into `siteB-0014` (Jaccard about 0.89); with `--no-near` both are kept.",
        "`siteA-0010` is footer lines only and ends up empty.",
        "",
        "## Cases by document",
        "",
        "Repair:",
        "",
        "- title repeated + glued to the first paragraph + doubled body: all `siteA-*` except `siteA-0010`,",
        "  and `pages/site-c/2026/03/textile-park.txt`",
        "- doubled body only (title once): WET `http://edu.example-f.cn/news/2026/0312/shanqu-xiaoxue.html`,",
        "  WET.gz `https://travel.example-j.cn/rapeseed-flowers.html`",
        "- a 64-character sentence repeated inline within one paragraph: `siteB-0006`",
        "- pinyin glosses (removed from the key, kept in output): the Chinese `siteA-*` pages except",
        "  `siteA-0013`; `(暂定名)` in `siteA-0008` / `siteB-0015` is not a gloss",
        "",
        "Normalization:",
        "",
        "- full-width vs half-width digits, Latin letters, punctuation, ideographic-space indents:",
        "  `siteB-0002` vs `siteB-0003`",
        "- letter case and extra punctuation (English): `siteB-0008` vs `siteB-0009`",
        "- byte-exact copy: `siteA-0003` / `siteA-0004`; `furuhon-ichi.txt` / `furuhon-ichi-copy.txt`",
        "",
        "Encoding (news.jsonl): lines for "
        + ", ".join(f"`{d.label}`" for d in news if d.escaped)
        + " are written with `\\uXXXX` escapes (`ensure_ascii`), the others as raw UTF-8;",
        "`siteA-0014` contains 👍, escaped as the surrogate pair `\\ud83d\\udc4d`. In the compressed",
        "JSON files, " + ", ".join(f"`{d.label}`" for d in gz + zst if d.escaped) + " are escaped.",
        "",
        "Scripts: Japanese (no spaces) `furuhon-ichi.txt`, Korean `community-garden-ko.txt`, Thai",
        "`floating-market-th.txt`, mixed Chinese/English WET `https://www.example-h.com/community/beach-cleanup-2026`.",
        "",
        "### news.jsonl",
        "",
        tbl(news),
        "",
        "### pages/",
        "",
        tbl(pages),
        "",
        "### crawl.warc.wet",
        "",
        tbl(wet),
        "",
        "### compressed/",
        "",
        tbl(wet2 + gz + zst + [extra]),
        "",
    ]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main() -> int:
    news, pages, wet, wet2 = news_docs(), page_docs(), wet_docs(), wet2_docs()
    gz, zst, extra = gz_docs(), zst_docs(), extra_doc()
    all_docs = news + pages + wet + wet2 + gz + zst + [extra]
    assert len({d.label for d in all_docs}) == len(all_docs)
    check_content(news)
    groups = check_expectations(all_docs)

    for rel in ("news.jsonl", "crawl.warc.wet", "README.md"):
        (DATA / rel).unlink(missing_ok=True)
    for rel in ("pages", "compressed"):
        shutil.rmtree(DATA / rel, ignore_errors=True)

    write(DATA / "news.jsonl", jsonl_bytes(news))
    for d in pages:
        write(DATA / d.label, (d.text + "\n").encode("utf-8"))
    write(DATA / "crawl.warc.wet", b"".join(wet_records("crawl.warc.wet", wet, 20)))
    write(DATA / "compressed/more.jsonl.gz", gzip.compress(jsonl_bytes(gz), compresslevel=9, mtime=0))
    write(DATA / "compressed/more.jsonl.zst", zstd_compress(jsonl_bytes(zst)))
    members = [gzip.compress(r, compresslevel=9, mtime=0) for r in wet_records("crawl2.warc.wet", wet2, 27)]
    write(DATA / "compressed/crawl2.warc.wet.gz", b"".join(members))
    write(DATA / "compressed/pages/extra.txt.zst", zstd_compress((extra.text + "\n").encode("utf-8")))

    check_files({
        "news_ids": [d.label for d in news],
        "wet_texts": [d.text for d in wet],
        "wet2_texts": [d.text for d in wet2],
        "extra_text": extra.text + "\n",
    })

    sizes = {rel: (DATA / rel).stat().st_size for rel in (
        "news.jsonl", "crawl.warc.wet", "compressed/more.jsonl.gz", "compressed/more.jsonl.zst",
        "compressed/crawl2.warc.wet.gz", "compressed/pages/extra.txt.zst")}
    sizes["pages"] = sum(p.stat().st_size for p in (DATA / "pages").rglob("*.txt"))
    write(DATA / "README.md", readme(news, pages, wet, wet2, gz, zst, extra, groups, sizes).encode("utf-8"))

    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 300 * 1024, f"data/ is {total} bytes"
    ndup = sum(len(v) - 1 for k, v in groups.items() if k)
    print(f"wrote {len(all_docs)} documents ({ndup} duplicates expected, "
          f"{sum(1 for k in groups if k)} distinct non-empty), data/ = {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
