"""Named selectors and text patterns: where content lives and what page chrome looks like.

Grouped by what they find. Known content containers are an optimisation for the CMS
families we have seen; the generic path (text density) handles every other template.
"""

from __future__ import annotations

import re

# --- content containers of known templates, strongest first -------------------------
# (template, attribute, how, value): "id" equal to value, "class" holding the token value,
# or "class~" containing value anywhere.
CONTENT_CONTAINERS: tuple[tuple[str, str, str, str], ...] = (
    ("govcn-ucap", "id", "=", "UCAP-CONTENT"),
    ("trs", "class", "token", "TRS_UEDITOR"),
    ("trs", "class", "token", "TRS_Editor"),
    ("hanweb", "id", "=", "zoom"),
    ("hanweb", "id", "=", "Zoom"),
    ("zoom", "id", "=", "fontzoom"),
    ("generic-id", "id", "=", "content"),
    ("generic-id", "id", "=", "Content"),
    ("generic-id", "id", "=", "article-content"),
    ("generic-class", "class", "~", "article-content"),
    ("generic-class", "class", "~", "article_content"),
    ("generic-class", "class", "~", "pages_content"),
    ("generic-class", "class", "~", "view TRS"),
    ("generic-class", "class", "~", "art_con"),
    ("generic-class", "class", "~", "news_content"),
    ("generic-class", "class", "~", "article_con"),
    ("generic-class", "class", "~", "zw-con"),
    ("generic-class", "class", "~", "content_text"),
)
# A known container is believed only when it holds at least this much text.
MIN_CONTAINER_CHARS = 40

# A content block that says it has nothing to show: never a document's text, however short.
EMPTY_NOTICE = re.compile(
    r"^(?:暂无(?:内容|数据|信息|相关信息|记录|正文)|内容为空|无内容|正在建设中|建设中|敬请期待)[。.!！]*$"
)

# Elements removed before anything is read.
DROP_TAGS: tuple[str, ...] = (
    "script",
    "style",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "svg",
    "canvas",
    "audio",
    "video",
    "template",
    "link",
    "meta",
    "head",
)
# Elements that hold navigation, not content, when scoring candidates.
NAV_TAGS: frozenset[str] = frozenset({"nav", "header", "footer", "aside", "menu"})
BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "section",
        "article",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
        "center",
        "hr",
        "tbody",
        "thead",
        "figure",
        "figcaption",
        "main",
        "address",
        "caption",
    }
)
CELL_TAGS: frozenset[str] = frozenset({"td", "th"})

# class/id words that mark chrome (matched as whole words inside class/id values).
CHROME_CLASS = re.compile(
    r"(?:^|[\s_-])(?:share|bdshare|bdsharebuttonbox|print|fontsize|font-size|zoomfont|"
    r"breadcrumb|crumbs?|location|position|dqwz|footer|foot|copyright|related|xgxw|"
    r"xglj|prev|next|pager|pagination|qrcode|ewm|wxewm|sharebox|toolbar|tools|"
    r"comment|comments|sidebar|navbar|nav|menu|header|top-bar|hits|views)(?:$|[\s_-])",
    re.I,
)

# --- chrome recognised by its text ------------------------------------------------------
# A whole line (whitespace removed) that is only chrome.
CHROME_LINE = re.compile(
    r"^(?:"
    r"[【\[〖(（]?(?:字号|字体|文字|字体大小)[:：]?.{0,3}[】\]〗)）]?[【\[〖(（]?"
    r"(?:[大中小默认正常放大缩小]|[|｜/、]){0,14}[】\]〗)）]?"
    r"|(?:[【\[〖(（]?(?:打印(?:本页|文章|此页|页面)?|关闭(?:窗口|本页|页面)?|返回(?:顶部|首页)?|收藏(?:本页)?|"
    r"我的收藏|保存(?:本页)?|下载|(?:网站|我要)?纠错|分享(?:到)?|扫一扫|加入收藏|TOP|top|"
    r"微信|微博|QQ空间|QQ|新浪微博|腾讯微博|人人网|豆瓣|手机阅读|默认|[大中小|｜]|"
    r"字号[:：]?|字体[:：]?)[】\]〗)）]?[:：]?[|｜/、·]?)+"
    r"|分享到[:：]?.{0,30}"
    r"|扫一扫在手机(?:上)?(?:打开|阅读|查看)(?:当前页(?:面)?|本页)?"
    r"|用手机扫描二维码.*|手机扫码.*|.{0,8}二维码"
    r"|(?:当前位置|您当前的位置|您现在的位置|你现在的位置|所在位置|当前所在位置)[:：].*"
    r"|(?:浏览次数|阅读次数|访问次数|点击次数|浏览量|阅读量|访问量|点击数|浏览)[:：]?\d*次?"
    r"|[（(]?(?:责任编辑|编辑|责编|审核|校对|初审|复审|终审|录入|编审|审校|排版|作者|供稿|摄影|记者|"
    r"稿源|通讯员|撰稿|供图)[:：].{0,30}?[）)]?"
    r"|上一篇[:：]?.*|下一篇[:：]?.*|上一条[:：]?.*|下一条[:：]?.*"
    r"|(?:相关链接|相关文章|相关新闻|相关阅读|关联稿件|相关稿件|相关文件|相关信息|相关解读|政策解读|"
    r"延伸阅读|热点推荐|推荐阅读)[:：]?"
    r"|转载请注明(?:出处|来源).{0,20}"
    r"|附件(?:下载)?[:：]?|相关附件[:：]?[>》»]*"
    r"|(?:网站标识码|ICP备|京ICP|.ICP备|公网安备|版权所有|主办单位|承办单位|技术支持|网站地图|联系我们|建议使用).*"
    r"|【?(?:全部留言|发表评论|匿名评论|我要评论|评论)】?.{0,10}"
    r")$"
)
# Lines at the start of the content that repeat metadata or the page's address and are not
# the document.
LEAD_NOISE_LINE = re.compile(
    r"^(?:[（(]?(?:发布时间|发布日期|时间|来源|信息来源)[:：].{0,40}[）)]?"
    # the page's own address printed over its text (本文链接：http://…, or the URL alone)
    r"|(?:本文链接|本页链接|本文地址|本页地址|原文链接|网址)?[:：]?https?://[^\s]{3,300})$"
)
# Markers after which nothing belongs to the document (a whole line starting so).
TRAILER_START = re.compile(
    r"^(?:上一篇|下一篇|相关链接|相关文章|相关新闻|相关阅读|关联稿件|相关稿件|延伸阅读|推荐阅读|"
    r"相关文件[:：]|相关解读[:：]?|政策解读[:：]|"
    r"【?全部留言|发表评论|我要评论|分享到|扫一扫在手机)"
)
# Text that says a page is a "not found" or withdrawal page (served with 200, or where a
# redirect lands): evidence that the document is missing, never a version of it. Only
# phrases about the page or the information itself, so a short notice that mentions a
# 文件已失效 (validity) is not read as one.
SOFT_404 = re.compile(
    r"页面不存在|您访问的页面(?:已删除|不存在|找不到)|页面已删除|找不到(?:该|您要的)?(?:页面|网页)|"
    r"页面未找到|(?:该|此|本|您访问的|您要访问的|你访问的)?(?:页面|网页|内容|信息|文章|稿件|数据|资源)"
    r"(?:不存在|已(?:被)?(?:删除|撤销|撤回|撤稿|下线|过期)|不存在或已(?:被)?(?:删除|过期|撤销)|"
    r"已过期或已(?:被)?删除)|"
    r"404\s*Not\s*Found|\bpage\s+not\s+found\b|\bnot\s+found\b|"
    r"\bdoes\s+not\s+exist\b|\bno\s+longer\s+available\b",
    re.I,
)
# Text that says the site is down for now (maintenance, overload, a gateway error page):
# transient, never evidence about any document, and a listing showing it is not complete.
MAINTENANCE_PAGE = re.compile(
    r"系统维护|网站维护|系统升级|升级维护|维护中|正在维护|暂停服务|暂停访问|服务暂不可用|"
    r"服务不可用|服务器繁忙|系统繁忙|访问过于频繁|访问量过大|请稍后再试|请稍候再试|请稍后访问|"
    r"\bservice\s+(?:temporarily\s+)?unavailable\b|\btemporarily\s+unavailable\b|"
    r"\bbad\s+gateway\b|\bgateway\s+time-?out\b|\bunder\s+maintenance\b|"
    r"\btoo\s+many\s+requests\b",
    re.I,
)

# Attachment links: by extension or by a download handler.
ATTACHMENT_EXTENSIONS: tuple[str, ...] = (
    "pdf",
    "doc",
    "docx",
    "wps",
    "xls",
    "xlsx",
    "et",
    "ofd",
    "zip",
    "rar",
    "7z",
    "ppt",
    "pptx",
    "txt",
    "csv",
)
ATTACHMENT_HREF = re.compile(
    r"\.(?:" + "|".join(ATTACHMENT_EXTENSIONS) + r")(?:$|[?#])|downfile\.jsp|download\.jsp|"
    r"/module/download/|filedownload|attachment\?",
    re.I,
)

# Title suffixes: "_XX市人民政府", " - 中国政府网", "｜XX网".
TITLE_SEPARATORS = re.compile(r"\s*(?:_+|\||｜|--)\s*|\s+[-—–]+\s+")
SITE_NAME_HINT = re.compile(r"(?:人民政府|政府网|门户网站|网站|官网|政府|委员会|厅|局|部|网)$")

# A line that is only a document number: "川卫函〔2025〕46号", "国办发明电[2018]15号".
DOC_NO_LINE = re.compile(r"^[\u4e00-\u9fff]{1,14}[〔\[［【(（]\d{4}[〕\]］】)）]第?\d{1,5}号$")
# A source that names a website rather than an organisation: "XX委员会网站".
WEBSITE_SUFFIX = re.compile(r"(?:门户网站|网站|官网|政府网)$")
# A red-header letterhead at the top of the content: "某某县人民政府办公室文件".
LETTERHEAD_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{4,40}(?:文件|文件\s*文件|公报|简报|通报|函件)$"
)
