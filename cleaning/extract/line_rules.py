"""Boilerplate line rules as data: anchor phrases, widget labels and the lines no rule may drop.

Each entry carries a comment showing what it matches. ``lines.filter_lines`` applies them by scope.
"""

from __future__ import annotations

import re

# Whole lines that are buttons or labels of a page's widgets, never text (compared without spaces
# and brackets): 播报 编辑 (baike), 收藏 / +关注 / 分享 (news apps), 返回 / 打印 / 关闭 (gov CMS).
UI_WORDS: frozenset[str] = frozenset(
    "播报 编辑 收藏 分享 关注 +关注 已关注 点赞 评论 举报 更多 展开 收起 展开全文 阅读全文 返回 返回顶部 打印 "
    "关闭 顶 踩 赞 转发 复制链接 微信 微博 QQ空间 QQ好友 朋友圈 扫一扫 播报文章 语音播报 收听 "
    "編輯 收藏 分享 關注 點讚 評論 檢舉 更多 展開 收起 返回 列印 關閉 回上一頁 回首頁 "
    "× ✕ ✖ | / - · > < >> <<".split()
)

# Roles a credits line names (责任编辑：王岚, 审核：李某): the editors and reviewers of a news or gov page,
# never the notice's text. Longer labels first, so 责任编辑 is read whole.
EDITOR_ROLES: tuple[str, ...] = (
    "责任编辑",  # 责任编辑：王岚 (the page's editor in charge)
    "責任編輯",  # 責任編輯：王岚
    "责任校对",  # 责任校对：李某 (proofreader in charge)
    "值班编辑",  # 值班编辑：张某 (editor on duty)
    "网络编辑",  # 网络编辑：张某 (web editor)
    "本文编辑",  # 本文编辑：张某
    "编辑",  # 编辑：小何
    "編輯",  # 編輯：小何
    "责编",  # 责编：吴迪
    "責編",  # 責編：吴迪
    "审核",  # 审核：刘洋 (reviewer)
    "審核",  # 審核：刘洋
    "审校",  # 审校：某某
    "審校",  # 審校：某某
    "校对",  # 校对：某某 (proofreader)
    "校對",  # 校對：某某
    "初审",  # 初审：某某 复审：某某 终审：某某 (the three review stages of a gov page)
    "二审",  # 二审：某某
    "复审",  # 复审：某某
    "三审",  # 三审：某某
    "终审",  # 终审：某某
    "审签",  # 审签：某某
    "签发",  # 签发：某某 (signed off by)
    "簽發",  # 簽發：某某
    "编审",  # 编审：某某
    "編審",  # 編審：某某
    "监制",  # 监制：某某 (producer)
    "監製",  # 監製：某某
    "统筹",  # 统筹：某某 (coordinator)
    "統籌",  # 統籌：某某
)
EDITOR_ROLE_PATTERN = "|".join(sorted(map(re.escape, EDITOR_ROLES), key=len, reverse=True))
# A whole credits line: an optional bracket, role: name, more role: name pairs, the closing bracket; a name
# is up to 12 characters without a colon or sentence mark (李曦_NN2587, 小何, 王某、李某, or nothing yet).
_NAME = r"[^\s:：，。；！？()（）\[\]【】]"
_CREDIT = rf"({EDITOR_ROLE_PATTERN})\s*[:：|丨]\s*({_NAME}{{0,12}}(\s*[、/,]\s*{_NAME}{{1,12}})*)"
EDITOR_LINE = re.compile(rf"^\s*[\[【(（]?\s*{_CREDIT}(\s+{_CREDIT})*\s*[\]】)）]?\s*$")
EDITOR_CREDIT = re.compile(_CREDIT)

# Line rules: (name, pattern, scope); a rule may take several entries. An alternation is fast to search
# only when each branch starts with a literal (or it is one character class), so mixed ones are split.
# Scopes:
#   "short"     short lines, or any line within the first/last lines of the text;
#   "lead"      short lines before the text starts (or within the first lines): bylines, info tables;
#   "tail"      short lines after the text ends (or within the last lines): editor and source credits;
#   "head_tail" short lines in the lead or the tail;
#   "cut"       like "short", and after the text's last third it also drops every line after it;
#   "endcut"    like "short", and once the text has started it also drops every line after it;
#   "anywhere"  a pattern specific enough to act on any line.
LINE_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # 当前位置：首页 > 新闻中心 > 通知公告 / 當前位置 /首頁/活動總結 / ::: 目前位置：首頁 > 最新消息
    (
        "breadcrumb",
        re.compile(
            r"^[\s:：]*(当前位置|當前位置|目前位置|您的位置|您现在的位置|您現在的位置|您当前的位置|您目前的位置|所在位置|当前栏目|现在位置|位置[:：]\s*首页)"
        ),
        "short",
    ),  # noqa: E501
    # 首页 > 新闻中心 > 通知公告 (a bare trail without the label)
    ("breadcrumb", re.compile(r"^\s*(首页|首頁|网站首页|主页|主頁)\s*[>＞»›/\\]"), "short"),
    # 【字号：大 中 小】 / 字体：[大][中][小] / 字號： / 【 字 体：大 中 小 】 / 字号：T|T / 字体大小：默认 超大
    (
        "font_size",
        re.compile(
            r"字\s*[号號体體]\s*(大小)?\s*[:：]?\s*[\[【(（]?\s*(大|中|小|默认|默認|标准|標準|超大|特大|放大|缩小|縮小|T\b|A\b)"
        ),
        "short",
    ),
    # 调整字体 / 文字大小： / 字体大小 (the control's label alone)
    ("font_size", re.compile(r"调整字[体号]|調整字[體號]|文字大小|字[体體]大小|字[号號]大小"), "short"),
    # 放大 正常 缩小 / 放大 | 默认 | 缩小
    (
        "font_size",
        re.compile(r"放大\s*[|｜/·]?\s*(正常|默认|默認|标准|標準|还原|還原|中)\s*[|｜/·]?\s*[缩縮]小"),
        "short",
    ),
    # 【大 中 小】 / [大][中][小] / 大 | 中 | 小 (the three sizes alone on a line)
    (
        "font_size",
        re.compile(
            r"^[\[【(（]?\s*大\s*[\]】)）]?\s*[|｜/ ]?\s*[\[【(（]?\s*中\s*[\]】)）]?\s*[|｜/ ]?"
            r"\s*[\[【(（]?\s*小\s*[\]】)）]?$"
        ),
        "short",
    ),
    # A+ A A- / A+ A-
    ("font_size", re.compile(r"^A\s*[+＋]\s*(A\s*)?A?\s*[-－]$"), "short"),
    # 【打印本页】【关闭窗口】 / 列印本頁 / 返回顶部 / [打印] [关闭]
    (
        "print_close",
        re.compile(r"打印本页|打印本頁|列印本頁|关闭窗口|關閉窗口|关闭本页|返回顶部|返回頂部"),
        "short",
    ),
    ("print_close", re.compile(r"[\[【]\s*(打印|关闭|關閉|列印)\s*[\]】]"), "short"),
    # 【打印本稿】 / 打印此页 / 我要打印 / 打印文章 / 关闭本窗口 / 關閉視窗 (gov and news detail templates)
    (
        "print_close",
        re.compile(
            r"打印本[稿文]|打印此[页頁文]|打印[该該][页頁文]|我要打印|打印(文章|正文|内容|內容|全文)|关闭本?窗口|关闭此[页窗]|關閉視窗|關閉本頁"
        ),
        "short",
    ),
    # 【收藏】 【纠错】 【返回】 【保存】 【推荐给朋友】 【发送给好友】 [复制链接] (the buttons beside 打印 关闭)
    (
        "print_close",
        re.compile(
            r"[\[【]\s*(我要)?(收藏|加入收藏|纠错|糾錯|内容纠错|內容糾錯|返回|保存|推荐给朋友|推薦給朋友|推荐|发送给好友|發送給好友|"
            r"复制链接|複製鏈接|复制网址|返回顶部|返回頂部|字体|字體)\s*[\]】]"
        ),
        "short",
    ),
    # 打印 | 关闭 / 收藏 打印 关闭 (the buttons, unbracketed, as a row)
    (
        "print_close",
        re.compile(
            r"^(打印|列印|关闭|關閉|收藏|纠错|糾錯|返回)(\s*[|｜/·]?\s*(打印|列印|关闭|關閉|收藏|纠错|糾錯|返回|分享|顶部|頂部))+$"
        ),
        "short",
    ),
    # 上一篇：东田中心小学...下一篇：寻找妈妈的寻人启事
    (
        "prev_next",
        re.compile(
            r"^\s*[\[【]?\s*(上一篇|下一篇|上一條|下一條|上一条|下一条|上篇|下篇|上一則|下一則)\s*[\]】]?\s*[:：]?"
        ),
        "endcut",
    ),  # noqa: E501
    # 分享到：微信 微博 QQ空间
    ("share", re.compile(r"^\s*(分享到|分享至|分享：|分享:|分享給|分享给)"), "short"),
    # 扫一扫在手机打开当前页 / 微信扫一扫 / 扫码关注
    ("share", re.compile(r"扫一扫|掃一掃|扫码|掃碼|关注公众号|關注公眾號|用手机看|手机扫描"), "short"),
    # 友情链接 / 友情鏈接
    ("friend_links", re.compile(r"^\s*(友情链接|友情鏈接|相关链接|相關鏈接)"), "endcut"),
    # 相关文章 / 相关阅读 / 推荐阅读 / 热点推荐 / 猜你喜欢 / 大家都在看
    (
        "related",
        re.compile(
            r"^\s*(相关文章|相關文章|相关阅读|相關閱讀|相关新闻|相關新聞|相关推荐|相關推薦|推荐阅读|推薦閱讀|热点推荐|熱點推薦|热门推荐|熱門推薦|猜你喜欢|猜你喜歡|为你推荐|為你推薦|大家都在看|热门文章|熱門文章|延伸阅读|延伸閱讀|精彩推荐|精彩推薦)"
        ),
        "endcut",
    ),  # noqa: E501
    # 参考资料 / 参考文献 / 外部链接 (reference lists under encyclopedia articles)
    ("references", re.compile(r"^\s*(参考资料|參考資料|参考文献|參考文獻|外部链接|外部連結|参见|參見)\s*$"), "endcut"),
    # 主办单位：青州市民政局 承办单位：... / 版权所有 © 2024 / Copyright / 京ICP备05063546号
    (
        "footer",
        re.compile(
            r"主办单位|主辦單位|承办单位|承辦單位|版权所有|版權所有|Copyright|©|ICP备|ICP證|ICP证|网站标识码|網站標識碼|公网安备|公網安備|技术支持|技術支持|网站地图|網站地圖"
        ),
        "cut",
    ),  # noqa: E501
    # 地址：青州市...  邮编：262500  联系电话：0536-... (address+phone footer)
    ("footer_contact", re.compile(r"^\s*(地址|通讯地址|聯絡地址)\s*[:：].*(电话|電話|邮编|郵編)"), "short"),
    # 联系电话：0536-3221234  传真：...
    (
        "footer_contact",
        re.compile(r"^\s*(联系电话|聯繫電話|聯絡電話)\s*[:：]\s*[\d\-\s()（）]+(传真|傳真|邮编|郵編|$)"),
        "head_tail",
    ),  # noqa: E501
    # 首页 | 上一页 1 2 3 下一页 | 尾页 (pager under a list or a long article)
    ("pager", re.compile(r"上一页|下一页|尾页|下一頁|上一頁"), "cut"),
    # 免责声明：本内容来自...不代表...立场 / 平台声明 / 举报 / 作者其他文章
    (
        "disclaimer",
        re.compile(
            r"^\s*(免责声明|免責聲明|平台声明|平台聲明|声明[:：]|举报|舉報|作者其他文章|查看原图|特别声明|特別聲明)"
        ),
        "endcut",
    ),  # noqa: E501
    # 平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。 (a labelled disclaimer,
    # a sentence itself: dropped wherever it stands, nothing after it)
    (
        "disclaimer",
        re.compile(
            r"^\s*[\[【(（]?\s*(免责声明|免責聲明|平台声明|平台聲明|特别声明|特別聲明|版权声明|版權聲明|声明|聲明)\s*[:：\]】)）]"
            r".{0,80}(仅代表|僅代表|不代表|仅提供|僅提供|不承担|不承擔|与本(站|网|平台)无关|與本(站|網|平台)無關)"
        ),
        "anywhere",
    ),
    # 以上内容...为...用户上传并发布，本平台仅提供信息存储服务
    (
        "disclaimer",
        re.compile(r"仅提供信息存储|僅提供信息存儲|不代表本(站|网|網|平台)|观点仅代表作者|觀點僅代表作者"),
        "endcut",
    ),  # noqa: E501
    # 未经授权请勿转载 / 转载请注明出处 / 原文链接：
    (
        "copyright_notice",
        re.compile(
            r"未[经經].{0,12}(授权|授權|许可|許可).{0,10}(转载|轉載|使用)|转载请注明|轉載請註明|请勿转载|請勿轉載"
        ),
        "endcut",
    ),
    ("copyright_notice", re.compile(r"^\s*(原文链接|原文鏈接|本文链接|本文鏈接|原文地址)\s*[:：]"), "endcut"),
    # 本文来源：http://www.fanwen.example/hdzj/230418.html (a page's own URL under the text)
    (
        "source_url",
        re.compile(r"^\s*(本文来源|本文來源|文章来源|文章來源|来源网址|本文网址|本文網址)\s*[:：]\s*(https?://|www\.)"),
        "short",
    ),  # noqa: E501
    # 【责任编辑：王岚】 / 责任编辑：杨丹宇 / （编辑：小何） / 编辑：王某 审核：李某 (a whole credits line,
    # lines.editor_line reads it)
    ("editor", EDITOR_LINE, "short"),
    # 责任编辑：王岚 返回搜狐，查看更多 / [作者: 刘满仓 责任编辑: (a credit leading a longer tail line)
    (
        "editor",
        re.compile(rf"^\s*[\[【(（]?\s*(作者\s*[:：].{{0,20}})?({EDITOR_ROLE_PATTERN})\s*[:：|丨]"),
        "tail",
    ),  # noqa: E501
    # 返回搜狐，查看更多 / 返回首页 / 返回列表
    (
        "back_link",
        re.compile(
            r"^\s*(返回搜狐|返回首页|返回首頁|返回列表|返回上一页|返回上一頁|回上一頁|回首頁|查看更多|点击查看|點擊查看)"
        ),
        "short",
    ),  # noqa: E501
    # 广告 / 广告通知：英国留学生注意了... (an ad slot labelled as such)
    ("ad", re.compile(r"^\s*(广告|廣告|推广|推廣)(\s|$|[:：]|\S{2,40}$)"), "short"),
    # 浏览次数：128 / 点击数：35 / 阅读量 / 點閱次數
    (
        "views",
        re.compile(
            r"(浏览次数|瀏覽次數|浏览量|瀏覽量|點閱次數|点击数|點擊數|点击量|點擊量|阅读次数|閱讀次數|访问量|訪問量|阅读量|閱讀量|点击|點擊)\s*[:：]"
        ),
        "short",
    ),  # noqa: E501
    ("views", re.compile(r"\d\s*(人阅读|人閱讀|次阅读|次閱讀|次浏览)"), "short"),
    # 发布时间：2024-03-05  来源：青州市民政局 (the info line under the title; meta reads it first)
    (
        "info_line",
        re.compile(
            r"(发布时间|發布時間|发布日期|發布日期|發佈日期|发文日期|更新时间|更新時間|信息来源|資訊來源|来源|來源|作者|编辑|編輯|类别|類別|时间|時間)\s*[:：]"
        ),
        "lead",
    ),  # noqa: E501
    # 2024-05-18 16:56发布于北京 / 发布于：北京市 / IP属地：广东 / 来自甘肃 (bylines on news apps)
    (
        "info_line",
        re.compile(
            r"^\s*((19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(\d{1,2}:\d{2}(:\d{2})?)?\s*(发布于.*)?|发布于\s*[:：]?.{0,12}|IP属地\s*[:：].{0,8}|来自\S{2,4}|原创\s*.{0,20})$"
        ),
        "lead",
    ),  # noqa: E501
    # 索引号：000014349/2024-00021  主题分类：慈善事业 (gov.cn 信息公开 table above the text)
    (
        "info_table",
        re.compile(
            r"^\s*(索引号|索 引 号|主题分类|主題分類|发文字号|發文字號|发布机构|發布機構|成文日期|生效日期|发文机关|發文機關|公开方式|主题词|主題詞|体裁分类|有效性|所属机构|信息分类|文\s*号|标\s*题|標\s*題)\s*[:：]"  # noqa: E501
        ),
        "lead",
    ),  # noqa: E501
    # 下面是语文迷为大家带来的关于...活动总结，希望对你有帮助。
    ("promo", re.compile(r"下面是.{0,80}希望[对對]?[你您大家]{1,2}.{0,6}(帮助|幫助)"), "anywhere"),
    # 本文由xx网整理 / 本文由小编整理发布
    ("promo", re.compile(r"^\s*本文由.{0,40}(整理|收集|發布|发布)"), "short"),
    # 更多xx范文请关注xx网 / 更多相关内容请关注
    ("promo", re.compile(r"^\s*更多.{0,40}(请关注|請關注|尽在|盡在)"), "short"),
    # 点击进入专题>> / 更多新闻>> / 查看更多>> / 详细>> / 进入专题 » / 【更多】
    (
        "promo",
        re.compile(
            r"^\s*[\[【(（]?\s*(点击|點擊|进入|進入|更多|查看|详细|詳細|阅读|閱讀|了解|浏览|瀏覽)[^。，！？]{0,16}"
            r"(>>|＞＞|》》|»|→|>|＞)\s*[\]】)）]?\s*$"
        ),
        "short",
    ),
    ("promo", re.compile(r"^\s*[\[【(（]\s*(更多|详细|詳細|详情|詳情|MORE|more)\s*[\]】)）]\s*$"), "short"),
    # 打开APP阅读全文 / 下载客户端 / APP内打开 / 打开网易新闻 查看更多 (news apps' promos)
    (
        "promo",
        re.compile(
            r"打开\s*(APP|App|app|客户端|客戶端)|下载\s*(APP|App|app|客户端|客戶端)|(APP|App|客户端)内(打开|查看|阅读)|扫码下载|客户端下载"
        ),
        "short",
    ),
    # 很抱歉，当前视频播放失败 / 错误代码：QVS.4100 / 建议WIFI下打开 / 播放速度：2X / 语音播报文章 (players' messages)
    (
        "player",
        re.compile(
            r"视频播放失败|視頻播放失敗|视频加载失败|視頻加載失敗|错误代码[:：]|錯誤代碼[:：]|建议在?\s*(WIFI|WiFi|wifi|Wi-Fi)|"
            r"正在为您切换|播放速度[:：]|倍速播放|语音播报|語音播報|朗读全文|朗讀全文|听全文|聽全文|收听本文|AI朗读|AI朗讀"
        ),
        "short",
    ),
    # 图集 / 高清图集 / 【图集】 / 组图 / 点击图片进入下一页 / 点击查看大图 (photo galleries' labels)
    (
        "gallery",
        re.compile(r"^\s*[\[【(（]?\s*(高清)?(图集|圖集|组图|組圖|多图|多圖|图片集|圖片集)\s*[\]】)）]?\s*[:：]?\s*$"),
        "short",
    ),
    (
        "gallery",
        re.compile(
            r"点击图片进入下一[页张]|點擊圖片進入下一[頁張]|点击查看大图|點擊查看大圖|上一张\s*下一张|上一張\s*下一張"
        ),
        "short",
    ),
    # 网友评论 / 发表评论 / 已有12条评论 / 查看全部评论 / 文明上网 理性发言 / 登录后发表评论 (comment controls)
    (
        "comments",
        re.compile(
            r"^\s*(网友评论|網友評論|热门评论|熱門評論|最新评论|最新評論|全部评论|全部評論|精彩评论|热门跟帖|熱門跟帖|发表评论|發表評論|"
            r"我要评论|我要評論|我来说两句|我來說兩句|评论区|評論區|查看全部评论|查看全部評論|查看更多评论|参与评论|參與評論)"
            r"([(（\[]?\s*\d*\s*(条|條)?\s*[)）\]]?)?\s*$"
        ),
        "short",
    ),
    (
        "comments",
        re.compile(
            r"(已有|共)\s*\d+\s*(条|條|人)(评论|評論|跟帖|参与|參與)|文明上网\s*[，,]?\s*理性发言|登录后(发表|參與|参与)?评论|請登錄後評論"
        ),
        "short",
    ),
    # 回复 引用 举报 / 赞(12) 回复 / 支持 反对 (a comment's or a post's action bar)
    (
        "actions",
        re.compile(
            r"^((回复|回覆|引用|举报|舉報|支持|反对|反對|评分|評分|点赞|點讚|赞|讚|顶|踩|使用道具|收藏|分享)\s*([(（]\s*\d+\s*[)）]|\d+)?"
            r"\s*[|｜·]?\s*){2,}$"
        ),
        "short",
    ),
    # 楼主 发表于 2024-5-11 12:30 | 只看该作者 / 电梯直达 / 本帖最后由 X 于 2024-5-1 12:00 编辑 (forum post chrome)
    ("forum", re.compile(r"(发表于|發表於)\s*[:：]?\s*(\d{2,4}[-/年.]\d|\d+\s*(分钟|小时|天)前|昨天|前天)"), "short"),
    (
        "forum",
        re.compile(
            r"只看该作者|只看該作者|电梯直达|電梯直達|倒序浏览|倒序瀏覽|阅读模式|閱讀模式|显示全部楼层|顯示全部樓層"
        ),
        "short",
    ),
    ("forum", re.compile(r"^\s*本帖最后由.{1,40}编辑\s*$|^\s*本帖最後由.{1,40}編輯\s*$"), "short"),
    (
        "forum",
        re.compile(
            r"^\s*查看\s*[:：]\s*\d+\s*[|｜]\s*回复\s*[:：]\s*\d+|^\s*(返回列表|发新帖|發新帖|回复本帖|發表回覆)\s*$"
        ),
        "short",
    ),
)
# Lines a learned template must never drop, however often they recur on a site: dates, 文号,
# salutations (各区县民政局：), closing formulas, attachment labels, numbered headings (一、 （一） 第一条 1.).
PROTECTED_LINE = re.compile(
    r"^(各.{1,40}[:：]|.{0,30}[〔\[【［(（]\s*(19|20)\d{2}\s*[〕\]】］)）]\s*第?\s*\d{1,5}\s*[号號].{0,4}|"
    r"(特此|此复|此復|此致|敬礼|敬禮).{0,8}|附\s*件.{0,60}|([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|第.{1,3}[条章节條]|\d{1,2}[.、．]).*|.{0,12}(19|20)\d{2}\s*[年\-/.]\s*\d{1,2}\s*[月\-/.]\s*\d{1,2}\s*日?)$"
)
