"""Chinese character-frequency tiers and a fast "how Chinese does this look" score.

Used by encoding detection (GB18030 vs Big5 vs not Chinese) and by mojibake repair (is the re-decoded
run clearly more Chinese than what we have?). Real text decoded with the right codec is dominated by a
few hundred very common characters; the same bytes decoded with the wrong codec land on code points
spread evenly over the code table (rare characters, private-use area, kana, box drawing, U+FFFD).

The tiers are: TOP (the ~600 most frequent simplified characters and their traditional forms), then the
"common" level of each national standard, taken from the codecs themselves (GB2312 level 1, 3755
characters; Big5 level 1, 5401 characters). Scoring maps characters to tier markers with one
``str.translate`` and counts them, so it runs at C speed.
"""

from __future__ import annotations

# The ~600 most frequent simplified characters (general frequency order).
COMMON_HANS = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里"
    "用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实"
    "日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政"
    "美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员"
    "解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件"
    "计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象"
    "完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改"
    "收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调"
    "深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企"
    "八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列"
    "武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供"
    "效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值"
)
# Traditional forms (OpenCC s2t, s2tw, s2hk) of COMMON_HANS characters that differ, plus common variants.
COMMON_HANT_ONLY = (
    "並亞來個們備傳僅價兒內兩別則劃動務勢區卻參員問喫單嗎嚴國圍圖團報場夠學實寫將專對導師帶幹幾廣張強後從"
    "復愛態應戰採擊據敵數斷於時書會東條業極構標樣機權歷殺氣決沒況準滿濟為無營爭爲爾現產當發盡眾確種稱節紀"
    "約紅級細終組結絕給統經維緊線總織續羅羣義聯聲聽臺與興舉華萬著蘇處號衆術裏裝裡見規視親覺觀計記設許訴話"
    "該認語說説調談請論講證識議護變讓責費資質車軍較輕轉辦農這連進運過達遠選還邊醫長門開間關陳隊際隨雖雙離"
    "難電響項須領頭題願類顯風飛馬驗體鬥麼黃點黨麽週於"
)
# Punctuation of running Chinese text; the wrong codec turns these into other symbols.
PUNCT_ZH = "，。、；：？！“”‘’《》（）【】〔〕〈〉「」『』—…·％"
COMMON_HANZI: frozenset[str] = frozenset(COMMON_HANS + COMMON_HANT_ONLY)


def _decode_range(codec: str, leads: range, trails: range) -> frozenset[str]:
    out = set()
    for lead in leads:
        for trail in trails:
            try:
                out.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


# GB2312 level 1 (rows 16-55, 0xB0A1-0xD7F9) and Big5 level 1 (0xA440-0xC67E): the "common" characters.
GB2312_LEVEL1: frozenset[str] = _decode_range("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF))
BIG5_LEVEL1: frozenset[str] = _decode_range(
    "cp950", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
) - _decode_range("cp950", range(0xC6, 0xC7), range(0x7F, 0xFF))
COMMON_LEVEL1: frozenset[str] = GB2312_LEVEL1 | BIG5_LEVEL1

TOP_WEIGHT = 1.0
LEVEL1_WEIGHT = 0.35
BAD_WEIGHT = -1.0

_TOP, _L1, _BAD = "\x01", "\x02", "\x03"
# What only a wrong decoding produces in a Chinese page: U+FFFD and escaped bytes, private use, C1
# controls, half-width kana, Hangul syllables, box drawing.
BAD_RANGES: tuple[tuple[int, int], ...] = (
    (0xFFFD, 0xFFFD),
    (0xDC80, 0xDCFF),
    (0xE000, 0xF8FF),
    (0x80, 0x9F),
    (0xFF61, 0xFF9F),
    (0xAC00, 0xD7A3),
    (0x2500, 0x257F),
)
_TABLE: dict[int, str | None] = {c: None for c in range(0x80)}  # ASCII carries no evidence
for _lo, _hi in BAD_RANGES:
    _TABLE.update(dict.fromkeys(range(_lo, _hi + 1), _BAD))
for _c in " \u3000\u00a0\ufeff":
    _TABLE[ord(_c)] = None
for _c in COMMON_LEVEL1:
    _TABLE[ord(_c)] = _L1
for _c in COMMON_HANZI | frozenset(PUNCT_ZH):
    _TABLE[ord(_c)] = _TOP


def tier_counts(text: str) -> tuple[int, int, int, int]:
    """Return (non-ASCII chars, TOP chars, other level-1 chars, wrong-decoding chars) of text."""
    marked = text.translate(_TABLE)
    return len(marked), marked.count(_TOP), marked.count(_L1), marked.count(_BAD)


def score_chinese(text: str) -> float:
    """Return how Chinese text looks, about 0.8-1.0 for real Chinese and below 0.4 for a wrong decoding.

    The mean weight of its non-ASCII characters: TOP 1.0, other level-1 0.35, others 0, wrong-decoding
    characters -1.0. Text without non-ASCII characters scores 0.
    """
    n, top, level1, bad = tier_counts(text)
    if not n:
        return 0.0
    return (TOP_WEIGHT * top + LEVEL1_WEIGHT * level1 + BAD_WEIGHT * bad) / n


# -- ranking single characters (guessing a lost byte) -------------------------------------------------
_RANK: dict[str, int] = {c: i for i, c in enumerate(COMMON_HANS)}
PUNCT_WEIGHT: dict[str, float] = {
    "，": 3.0, "。": 2.9, "、": 2.6, "：": 2.4, "“": 2.3, "”": 2.3, "（": 2.2, "）": 2.2, "；": 2.1,
    "《": 2.1, "》": 2.1, "！": 1.8, "？": 1.8, "…": 1.6, "—": 1.6, "　": 1.2,
}
SIMP_ONLY: frozenset[str] = frozenset(c for c in COMMON_HANS if c not in BIG5_LEVEL1)
TRAD_ONLY: frozenset[str] = frozenset(c for c in COMMON_HANT_ONLY if c not in GB2312_LEVEL1)


def char_weight(char: str, traditional: bool = False) -> float:
    """Return how likely char is in running Chinese text (higher is likelier), for ranking guesses.

    TOP characters rank by general frequency (3.0 down to 1.0), then level-1 characters (0.5), others 0.
    Characters of the other script than the surrounding text (``traditional``) count for less.
    """
    if char in PUNCT_WEIGHT:
        return PUNCT_WEIGHT[char]
    rank = _RANK.get(char)
    if rank is not None:
        weight = 3.0 - 2.0 * rank / len(COMMON_HANS)
        return weight * 0.4 if traditional and char in SIMP_ONLY else weight
    if char in COMMON_HANZI:
        return 1.5 if traditional else 0.6
    if char in COMMON_LEVEL1:
        return 0.5
    return 0.0


def looks_traditional(text: str) -> bool:
    """Return True if text has more traditional-only than simplified-only common characters."""
    marked = sum(1 for c in text if c in TRAD_ONLY) - sum(1 for c in text if c in SIMP_ONLY)
    return marked > 0


# Common two-character words (general vocabulary and public-notice vocabulary, simplified; traditional
# forms are added below by mapping COMMON_HANS -> COMMON_HANT_ONLY is not one-to-one, so the traditional
# words are listed too). Used only to rank guesses for a lost byte: a guess that forms a word with its
# neighbour beats one that does not.
COMMON_WORDS_HANS = (
    "工作 社会 服务 发展 管理 建设 组织 开展 进行 实施 通知 关于 有关 单位 部门 政府 人民 国家 中国 我们 "
    "他们 自己 什么 没有 可以 已经 因为 所以 但是 如果 这个 那个 一个 一些 这些 时候 现在 今天 明天 今年 "
    "去年 年度 月份 日期 时间 地点 问题 情况 要求 规定 办法 意见 方案 计划 活动 会议 报告 材料 文件 附件 "
    "联系 电话 地址 邮箱 网站 网上 报名 申请 受理 审核 审批 登记 办理 提供 保障 救助 低保 养老 老人 老年 "
    "儿童 妇女 残疾 困难 群众 居民 社区 街道 乡镇 农村 城市 城乡 全市 全省 全国 地区 市场 经济 资金 财政 "
    "补贴 标准 每月 每人 每年 元月 万元 千元 以上 以下 以内 之间 期间 其中 包括 以及 并且 或者 进一步 加强 "
    "提高 提升 推进 推动 落实 做好 认真 积极 主动 及时 严格 按照 根据 依法 依据 结合 实际 具体 相关 相应 "
    "负责 责任 监督 检查 考核 评估 评价 表彰 奖励 优秀 先进 典型 示范 经验 总结 宣传 教育 培训 学习 考试 "
    "专业 人员 人才 队伍 机构 协会 中心 基层 治理 公益 慈善 志愿 捐赠 募捐 婚姻 结婚 离婚 殡葬 祭扫 文明 "
    "安全 健康 医疗 卫生 保险 就业 收入 家庭 个人 本人 身份 证件 户口 原件 复印 照片 信息 系统 平台 数据 "
    "网络 公众 微信 热线 咨询 投诉 举报 反映 公示 公告 公布 发布 印发 转发 下发 上报 报送 提交 截止 之前 "
    "以后 之后 前往 现场 窗口 大厅 预约 服务费 费用 免费 收费 价格 质量 水平 能力 作用 影响 重要 主要 "
    "重点 特别 特殊 一般 基本 生活 条件 范围 对象 人口 年龄 周岁 独居 空巢 失能 护理 照顾 照料 助餐 上门 "
    "设施 场所 床位 机构 项目 案例 征集 推荐 选择 参加 参与 组成 成立 召开 举办 举行 开始 结束 完成 实现 "
    "确保 保证 保护 维护 权益 合法 法律 法规 政策 制度 体系 机制 措施 任务 目标 方向 方式 方法 内容 形式 "
    "程序 流程 环节 时限 工作日 个月 三个 两个 一次 一次性 分别 共计 全部 部分 所有 各地 各级 各类 各项 "
    "各县 各区 各单位 民政 民政局 民政部 厅局 办公室 办公厅 委员会 人大 政协 党委 书记 主任 局长 同志 代表 "
    "座谈 调研 走访 慰问 看望 关心 关爱 帮扶 帮助 支持 支援 合作 共同 一起 大家 广大 市民 社会组织 社工 "
    "志愿者 服务中心 老年人 残疾人 未成年 少年 学生 学校 家长 父母 子女 孩子 朋友 同学 工人 农民 企业 公司 "
    "行业 产业 科技 技术 创新 改革 开放 历史 文化 传统 精神 思想 理论 实践 研究 经研究 决定 批准 同意 "
    "希望 珍惜 荣誉 再接再厉 良好 秩序 公共 环境 生态 绿色 低碳 节约 方便 便民 快捷 高效 透明 公开 公平 "
    "公正 诚信 规范 有序 稳定 持续 长期 短期 临时 紧急 急难 先行 补充 不得 不能 不要 不再 应当 应该 必须 "
    "需要 可能 能够 如何 怎么 为什么 还是 而且 虽然 然后 最后 首先 其次 同时 另外 此外 总之 例如 比如 "
    "上午 下午 中午 晚上 星期 周一 年月 月日 日起 起施 施行 执行 解释 负责人 联系人 传真 邮编 网址 "
    "通过 登录 缴纳 携带 须知 说明 注意 事项 如下 现将 特此 此致 附表 汇总 统计 名单 结果 合格 资格 复核"
)
COMMON_WORDS_HANT = (
    "工作 社會 服務 發展 管理 建設 組織 開展 進行 實施 通知 關於 有關 單位 部門 政府 人民 國家 我們 他們 "
    "沒有 可以 已經 因為 所以 但是 如果 這個 一個 這些 時候 現在 今年 年度 時間 地點 問題 情況 要求 規定 "
    "辦法 意見 方案 計畫 計劃 活動 會議 報告 資料 文件 附件 聯繫 聯絡 電話 地址 網站 網路 網頁 報名 申請 "
    "受理 審核 審查 登記 辦理 提供 保障 救助 長者 長期 照顧 老人 兒童 婦女 身心 障礙 困難 民眾 居民 社區 "
    "區公所 鄉鎮 城市 全國 地區 經濟 資金 補助 補貼 標準 每月 每人 每年 以上 以下 期間 其中 包括 以及 或者 "
    "加強 提高 推動 落實 積極 及時 依照 依據 結合 實際 相關 負責 責任 監督 檢查 考核 評鑑 評估 表揚 獎勵 "
    "優秀 經驗 宣導 宣傳 教育 訓練 課程 學習 專業 人員 機構 協會 中心 基層 公益 慈善 志工 義工 捐款 婚姻 "
    "結婚 安全 健康 醫療 衛生 保險 就業 收入 家庭 個人 本人 身分 證件 戶口 名簿 正本 影本 資訊 系統 平台 "
    "公告 公布 發布 提出 截止 之前 以後 現場 預約 費用 免費 品質 水準 能力 重要 主要 重點 特別 基本 生活 "
    "條件 範圍 對象 年齡 獨居 失能 護理 共餐 設施 據點 場所 項目 個案 參加 參與 成立 召開 舉辦 舉行 開始 "
    "完成 確保 保護 維護 權益 法律 法規 政策 制度 措施 任務 目標 方式 方法 內容 程序 時段 各級 各區 社工 "
    "社會局 社會課 社福 社署 衛福部 福利 綜援 援助 計劃 合資格 長者中心 日間 家居 熱線 查詢 瀏覽 致電 "
    "詳情 查詢 熱線 市民 需要 民國 證明 指定 國民 機關 主管 規定 會員 大會 紀錄 參考 學校 發現 通報 觀念 "
    "鼓勵 民間 團體 促進 所得 戶籍 繼續 暴力 防治 歡迎 興趣 過去 超過 邀請 分享"
)
COMMON_WORDS: frozenset[str] = frozenset((COMMON_WORDS_HANS + " " + COMMON_WORDS_HANT).split())
COMMON_BIGRAMS: frozenset[str] = frozenset(w[i : i + 2] for w in COMMON_WORDS for i in range(len(w) - 1))
