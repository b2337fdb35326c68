"""parsers.page on templates never seen: metadata by labels anywhere, content by density,
chrome removed by rule. Pages here are small constructed ones, each built around one trap."""

from __future__ import annotations

import pytest
from lxml import etree

from parsers import parse_page
from parsers.page import HTML_PARSER
from parsers.page_state import looks_missing
from parsers.sanitize import sanitize

PARAGRAPHS = "".join(
    f"<p>第{n}条 为进一步规范行政执法行为，提高依法行政水平，结合本县实际，制定本办法，请认真贯彻执行。</p>"
    for n in range(1, 6)
)


def page(body: str, title: str = "某某县人民政府关于印发行政执法办法的通知_某某县人民政府") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
    )


NAV = "<div class='nav'><a href='/'>首页</a><a href='/zwgk/'>政务公开</a><a href='/hd/'>互动交流</a></div>"
FOOTER = "<div class='footer'>主办单位：某某县人民政府办公室 网站标识码：5100000001 蜀ICP备12345678号</div>"

DEFINITION_LIST = parse_page(
    page(
        NAV
        + "<dl class='meta'><dt>索取号</dt><dd>ABC-2024-001</dd><dt>发文机关</dt><dd>某某县人民政府</dd>"
        "<dt>成文日期</dt><dd>2024年3月5日</dd><dt>文号</dt><dd>某府发〔2024〕7号</dd></dl>"
        "<h1>某某县人民政府关于印发行政执法办法的通知</h1><div class='text'>"
        + PARAGRAPHS
        + "</div>"
        + FOOTER
    ),
    "http://www.example.gov.cn/zwgk/202403/t20240305_1.html",
)


def test_definition_list_index_no() -> None:
    assert DEFINITION_LIST.index_no == "ABC-2024-001"


def test_definition_list_issuer() -> None:
    assert DEFINITION_LIST.issuer == "某某县人民政府"


def test_definition_list_doc_date() -> None:
    assert DEFINITION_LIST.doc_date == "2024-03-05"


def test_definition_list_doc_no() -> None:
    assert DEFINITION_LIST.doc_no == "某府发〔2024〕7号"


def test_content_found_by_density() -> None:
    assert DEFINITION_LIST.body_text.startswith("第1条")


def test_footer_out_of_body() -> None:
    assert "网站标识码" not in DEFINITION_LIST.body_text


def test_nav_out_of_body() -> None:
    assert "互动交流" not in DEFINITION_LIST.body_text


SPANS = parse_page(
    page(
        "<div class='info'><span>标&ensp;&ensp;题：</span><span>关于开展安全生产检查的通知</span>"
        "<span>发布日期：</span><span>2024-06-01</span><span>信息来源：</span><span>县应急管理局</span></div>"
        "<div class='info2'>标　　题：关于开展安全生产检查的通知　有 效 性：有效　主题分类：安全生产</div>"
        "<div id='art'>" + PARAGRAPHS + "</div>",
        title="某某县应急管理局",
    ),
    "http://www.example.gov.cn/a.html",
)


def test_span_pair_title_with_ensp() -> None:
    assert SPANS.title == "关于开展安全生产检查的通知"


def test_span_pair_publish_date() -> None:
    assert SPANS.publish_date == "2024-06-01"


def test_span_pair_issuer_from_source() -> None:
    assert SPANS.issuer == "县应急管理局"


def test_full_width_spaced_validity() -> None:
    assert SPANS.validity == "有效"


def test_topic_after_full_width_space() -> None:
    assert SPANS.topic == "安全生产"


EMPTY_META = parse_page(
    page(
        "<table class='xxgk'><tr><td>索引号：</td><td></td><td>发布机构：</td><td></td></tr>"
        "<tr><td>文号：</td><td></td><td>成文日期：</td><td></td></tr></table>"
        "<h2>某某县人民政府关于印发行政执法办法的通知</h2><div class='zw'>"
        + PARAGRAPHS
        + "<p>某某县人民政府</p><p>2024年3月5日</p></div>"
    ),
    "http://www.example.gov.cn/b.html",
)


def test_empty_index_no_is_empty_string() -> None:
    assert EMPTY_META.index_no == ""


def test_empty_doc_no_is_empty_string() -> None:
    assert EMPTY_META.doc_no == ""


def test_empty_issuer_falls_back_to_signature() -> None:
    assert EMPTY_META.issuer == "某某县人民政府"


def test_empty_doc_date_falls_back_to_signature_date() -> None:
    assert EMPTY_META.doc_date == "2024-03-05"


def test_absent_field_is_none() -> None:
    assert EMPTY_META.keywords is None


JIANGXI = parse_page(
    page(
        "<div class='article'><h1>某某县人民政府关于印发行政执法办法的通知</h1>"
        "<div class='glgj'>关联稿件：<a href='/x/1.html'>【图解】行政执法办法解读</a></div>"
        "<div class='article-content'>" + PARAGRAPHS + "<p>附件：</p></div>"
        "<div class='tools'>【打印】【关闭】 分享到：微信 微博</div></div>"
    ),
    "http://www.example.gov.cn/c.html",
)


def test_related_block_between_title_and_body_left_out() -> None:
    assert "关联稿件" not in JIANGXI.body_text


def test_empty_attachment_label_left_out() -> None:
    assert not JIANGXI.body_text.endswith("附件：")


def test_jiangxi_body_content_present() -> None:
    assert JIANGXI.body_text.startswith("第1条")


CHROME_INSIDE = parse_page(
    page(
        "<div id='zoom'><p>字号：大 中 小</p><p>当前位置：首页 &gt; 政务公开</p>"
        + PARAGRAPHS
        + "<p>浏览次数：1024</p><p>（责任编辑：张三）</p><p>上一篇：关于某事的通知</p>"
        "<p>下一篇：关于另一事的通知</p><p>扫一扫在手机打开当前页</p></div>"
    ),
    "http://www.example.gov.cn/d.html",
)


def test_chrome_lines_out_of_body() -> None:
    text = CHROME_INSIDE.body_text
    assert [
        w
        for w in ("字号", "当前位置", "浏览次数", "责任编辑", "上一篇", "下一篇", "扫一扫")
        if w in text
    ] == []


def test_chrome_lines_keep_the_document() -> None:
    assert CHROME_INSIDE.body_text.count("第") == 5


HIDDEN_PRINT_COPY = parse_page(
    page(
        "<div id='zoom'>" + PARAGRAPHS + "</div>"
        "<div id='printArea' style='display: none'>" + PARAGRAPHS + "</div>"
    ),
    "http://www.example.gov.cn/e.html",
)


def test_hidden_print_copy_not_doubled() -> None:
    assert HIDDEN_PRINT_COPY.body_text.count("第1条") == 1


HOSTILE = parse_page(
    page(
        "<div id='zoom'><p onclick=\"alert(1)\">第一段，正文内容足够长足够长足够长。</p>"
        "<script>alert('x')</script><iframe src='http://evil.example/'></iframe>"
        "<p style='mso-bidi-font-family:宋体'><a href='javascript:alert(2)'>链接</a>"
        "<img src='a.png' onerror='alert(3)'>" + PARAGRAPHS + "</p><o:p></o:p></div>"
    ),
    "http://www.example.gov.cn/f/g.html",
)


def test_no_script_in_body_html() -> None:
    assert "<script" not in HOSTILE.body_html


def test_no_iframe_in_body_html() -> None:
    assert "<iframe" not in HOSTILE.body_html


def test_no_event_handlers_in_body_html() -> None:
    assert "onclick" not in HOSTILE.body_html and "onerror" not in HOSTILE.body_html


def test_no_javascript_urls_in_body_html() -> None:
    assert "javascript:" not in HOSTILE.body_html


def test_no_word_markup_in_body_html() -> None:
    assert "mso-" not in HOSTILE.body_html and "o:p" not in HOSTILE.body_html


def test_images_made_absolute() -> None:
    assert 'src="http://www.example.gov.cn/f/a.png"' in HOSTILE.body_html


def test_title_without_site_suffix() -> None:
    record = parse_page(page("<div class='c'>" + PARAGRAPHS + "</div>"), "http://x/")
    assert record.title == "某某县人民政府关于印发行政执法办法的通知"


def test_pubdate_meta_only_when_nothing_is_displayed() -> None:
    html = (
        "<html><head><meta name='PubDate' content='2025-01-09 03:00'><title>通知</title></head><body>"
        "<h1>关于开展检查的通知</h1><div class='info'>发布时间：2024-12-30</div><div>"
        + PARAGRAPHS
        + "</div></body></html>"
    )
    assert parse_page(html, "http://x/").publish_date == "2024-12-30"


def test_soft_404_detected() -> None:
    record = parse_page(
        page("<div><h1>提示</h1><p>对不起，您访问的页面不存在或已删除！</p></div>", "404"),
        "http://x/",
    )
    assert looks_missing(record)


def test_real_document_is_not_soft_404() -> None:
    assert not looks_missing(DEFINITION_LIST)


def test_empty_and_broken_input() -> None:
    record = parse_page(b"", "http://x/")
    assert record.body_text == "" and record.title is None


def test_binary_garbage_does_not_raise() -> None:
    record = parse_page(bytes(range(256)) * 40, "http://x/")
    assert isinstance(record.body_text, str)


def test_record_json_round_trip() -> None:
    from parsers.record import Record

    assert Record.from_dict(DEFINITION_LIST.to_dict()) == DEFINITION_LIST


LETTERHEAD = parse_page(
    page(
        "<table class='xxgk'><tr><td>发布机构：</td><td>某某县人民政府办公室（原某某县政府办）</td></tr>"
        "<tr><td>成文日期：</td><td>2019-05-06</td></tr><tr><td>索引号：</td><td>X-2019-1</td></tr></table>"
        "<div class='zw'><p>某某县人民政府办公室文件</p><p>某府办发〔2019〕3号</p>"
        + PARAGRAPHS
        + "</div>"
    ),
    "http://www.example.gov.cn/h.html",
)


def test_letterhead_left_out_of_body() -> None:
    assert "办公室文件" not in LETTERHEAD.body_text


def test_old_agency_issuer_kept_as_displayed() -> None:
    assert LETTERHEAD.issuer == "某某县人民政府办公室（原某某县政府办）"


def test_doc_no_under_the_letterhead_found() -> None:
    assert LETTERHEAD.doc_no == "某府办发〔2019〕3号"


def test_body_starts_after_letterhead_and_doc_no() -> None:
    assert LETTERHEAD.body_text.startswith("第1条")


# Title in a table cell no heading rule knows; <title> ends "-site name" with a bare dash.
TIGHT_SUFFIX = parse_page(
    page(
        "<table><tr><td class='bt'>某县人民政府关于做好春季森林防火工作的通知</td></tr>"
        "<tr><td><div id='zoom'>" + PARAGRAPHS + "</div></td></tr></table>",
        title="某县人民政府关于做好春季森林防火工作的通知-某县人民政府",
    ),
    "http://www.example.gov.cn/tzgg/t20240301_1.html",
)


def test_title_without_site_name_after_bare_dash() -> None:
    assert TIGHT_SUFFIX.title == "某县人民政府关于做好春季森林防火工作的通知"


def test_title_keeps_a_dash_of_its_own() -> None:
    record = parse_page(
        page(
            "<div id='zoom'>" + PARAGRAPHS + "</div>", title="某县法治政府建设规划（2021-2025年）"
        ),
        "http://www.example.gov.cn/tzgg/t20240301_2.html",
    )
    assert record.title == "某县法治政府建设规划（2021-2025年）"


# Publish time and source in adjacent <span>s, with 字号 and 打印 beside them.
SPAN_INFO = parse_page(
    page(
        NAV + "<h1>2024年第一季度行政许可事项公示</h1>"
        "<div class='info'><span>时间：2024-04-02</span><span>来源：市行政审批局</span>"
        "<span>【字号：大 中 小】</span><span>打印</span></div>"
        "<div class='article-content'>" + PARAGRAPHS + "</div>"
        "<div class='share'>分享到：</div>" + FOOTER,
        title="2024年第一季度行政许可事项公示",
    ),
    "http://www.example.gov.cn/xzxk/t20240402_1.html",
)


def test_source_in_adjacent_span_is_issuer() -> None:
    assert SPAN_INFO.issuer == "市行政审批局"


def test_time_in_adjacent_span_is_publish_date() -> None:
    assert SPAN_INFO.publish_date == "2024-04-02"


def test_span_info_body_starts_with_document() -> None:
    assert SPAN_INFO.body_text.startswith("第1条")


def test_span_info_chrome_out_of_body() -> None:
    assert not any(term in SPAN_INFO.body_text for term in ("字号", "打印", "分享到", "来源"))


# A 成文日期 in the metadata table and no 发布日期 anywhere on the page.
DOC_DATE_ONLY = parse_page(
    page(
        "<table><tr><td>标　　题：</td><td>某县人民政府关于某某工作的意见</td></tr>"
        "<tr><td>公文种类：</td><td>意见</td><td>成文日期：</td><td>2024年02月20日</td></tr></table>"
        "<div class='pages_content'>" + PARAGRAPHS + "</div>",
        title="某县人民政府关于某某工作的意见",
    ),
    "http://www.example.gov.cn/zwgk/t20240220_1.html",
)


def test_doc_date_from_its_label() -> None:
    assert DOC_DATE_ONLY.doc_date == "2024-02-20"


def test_labelled_doc_date_is_not_taken_as_publish_date() -> None:
    assert DOC_DATE_ONLY.publish_date is None


# --- a known content block holding a short notice ------------------------------------------
DISCLAIMER = (
    "<div class='bottom'><h3>版权与免责声明</h3><p>凡本网注明来源为某某县人民政府网的所有作品，"
    "版权均属于某某县人民政府网，未经授权不得转载、摘编或利用其它方式使用上述作品。"
    "已经授权使用作品的，应在授权范围内使用，并注明来源。违反上述声明者，本网将追究其相关法律责任。</p></div>"
)
SHORT_NOTICE = parse_page(
    page(
        NAV
        + "<h1>关于张三同志任职的通知</h1><div id='zoom'><p>经研究，同意张三同志任县司法局局长。</p></div>"
        + DISCLAIMER,
        title="关于张三同志任职的通知_某某县人民政府",
    ),
    "http://www.example.gov.cn/zwgk/202403/t20240305_2.html",
)


def test_a_short_notice_in_a_known_block_is_the_body() -> None:
    assert SHORT_NOTICE.body_text == "经研究，同意张三同志任县司法局局长。"


def test_a_short_notice_leaves_the_disclaimer_out() -> None:
    assert "版权" not in SHORT_NOTICE.body_text


def test_a_short_notice_keeps_its_title() -> None:
    assert SHORT_NOTICE.title == "关于张三同志任职的通知"


def test_a_known_block_saying_it_is_empty_is_no_body() -> None:
    record = parse_page(
        page(NAV + "<h1>关于张三同志任职的通知</h1><div id='zoom'><p>暂无内容</p></div>"),
        "http://www.example.gov.cn/zwgk/202403/t20240305_3.html",
    )
    assert "暂无内容" not in record.body_text


# --- trailers and chrome lines at the end of the content ------------------------------------
TRAILERS = [
    "相关文件：关于进一步规范行政执法的通知",
    "相关解读：《办法》政策解读",
    "政策解读",
    "网站纠错",
    "稿源：县司法局",
    "通讯员：张三",
    "版权所有 转载请注明出处",
    "转载请注明出处",
    "【打印本页】【关闭窗口】",
]


def _with_trailer(trailer: str) -> str:
    return parse_page(
        page(
            NAV
            + "<h1>某某县人民政府关于印发行政执法办法的通知</h1><div id='zoom'>"
            + PARAGRAPHS
            + f"<p>某某县人民政府</p><p>2024年3月5日</p><p>{trailer}</p></div>"
            + FOOTER
        ),
        "http://www.example.gov.cn/zwgk/202403/t20240305_4.html",
    ).body_text


@pytest.mark.parametrize("trailer", TRAILERS)
def test_trailer_out_of_body(trailer: str) -> None:
    assert trailer not in _with_trailer(trailer)


@pytest.mark.parametrize("trailer", TRAILERS)
def test_signature_date_kept_before_a_trailer(trailer: str) -> None:
    assert _with_trailer(trailer).endswith("某某县人民政府\n2024年3月5日")


def test_a_two_line_body_opening_with_a_trailer_word_is_kept() -> None:
    record = parse_page(
        page("<h1>关于某某办法的政策解读</h1><div id='zoom'><p>政策解读：一、制定背景。为规范执法行为，制定本办法。</p>"
             "<p>二、主要内容。共五章三十条。</p></div>"),
        "http://www.example.gov.cn/zwgk/202403/t20240305_5.html",
    )  # fmt: skip
    assert record.body_text.startswith("政策解读：一、制定背景")


# --- dates from the right place -------------------------------------------------------------
FILING_ROWS = "".join(
    f"<tr><td><p>{n}</p></td><td><p>某某县{name}管理办法</p></td><td><p>2023-11-0{n}</p></td></tr>"
    for n, name in enumerate(("市场", "交通", "环境", "教育"), 1)
)
FILING_TABLE = parse_page(
    page(
        NAV + "<h1>2023年度规范性文件备案情况</h1><div class='info'>发布日期：2024-05-20</div>"
        "<div id='zoom'><p>现将本县2023年度规范性文件备案情况公布如下：</p><table>"
        "<tr><th>序号</th><th>文件名称</th><th>备案日期</th></tr>" + FILING_ROWS + "</table></div>"
    ),
    "http://www.example.gov.cn/zwgk/202405/t20240520_6.html",
)


def test_a_table_cells_date_is_not_a_signature_date() -> None:
    assert FILING_TABLE.doc_date != "2023-11-04"


def test_a_table_page_keeps_its_displayed_publish_date() -> None:
    assert (FILING_TABLE.publish_date or "").startswith("2024-05-20")


def test_a_signature_after_a_table_is_still_read() -> None:
    record = parse_page(
        page(
            NAV + "<h1>2023年度规范性文件备案情况</h1><div id='zoom'><table>"
            + FILING_ROWS + "</table><p>某某县司法局</p><p>2024年5月18日</p></div>"
        ),
        "http://www.example.gov.cn/zwgk/202405/t20240520_7.html",
    )  # fmt: skip
    assert record.doc_date == "2024-05-18"


def _with_meta(metas: str) -> str | None:
    html = (
        f"<html><head><meta charset='utf-8'>{metas}<title>关于执法检查的通知</title></head>"
        f"<body><h1>关于执法检查的通知</h1><div id='zoom'>{PARAGRAPHS}</div></body></html>"
    )
    return parse_page(html, "http://www.example.gov.cn/art/2024/5/20/art_1_1.html").publish_date


def test_pubdate_meta_wins_over_an_earlier_maketime() -> None:
    metas = "<meta name='Maketime' content='2024-06-30 10:00:00'><meta name='PubDate' content='2024-05-20 09:00'>"
    assert (_with_meta(metas) or "").startswith("2024-05-20")


def test_maketime_alone_is_no_publish_date() -> None:
    assert _with_meta("<meta name='Maketime' content='2024-06-30 10:00:00'>") is None


# --- front matter of joint documents ----------------------------------------------------------
JOINT_TITLE = "关于开展2024年度行政执法案卷评查工作的通知"


def _joint(body: str) -> object:
    return parse_page(
        page(NAV + body + FOOTER, title=JOINT_TITLE),
        "http://www.example.gov.cn/zwgk/202404/t20240401_8.html",
    )


JOINT_LETTERHEAD = _joint(
    f"<h1>{JOINT_TITLE}</h1><div id='zoom'><p>某某县司法局</p><p>某某县市场监督管理局 某某县生态环境局</p>"
    f"<p>{JOINT_TITLE}</p>{PARAGRAPHS}</div>"
)


def test_a_joint_letterhead_is_out_of_the_body() -> None:
    assert "市场监督管理局" not in JOINT_LETTERHEAD.body_text


def test_the_title_after_a_joint_letterhead_is_out_of_the_body() -> None:
    assert JOINT_TITLE not in JOINT_LETTERHEAD.body_text


def test_the_body_after_a_joint_letterhead_starts_with_the_text() -> None:
    assert JOINT_LETTERHEAD.body_text.startswith("第1条")


def test_an_agency_line_not_before_the_title_is_kept() -> None:
    record = _joint(f"<h1>{JOINT_TITLE}</h1><div id='zoom'><p>某某县司法局</p>{PARAGRAPHS}</div>")
    assert record.body_text.startswith("某某县司法局")


@pytest.mark.parametrize(
    "front",
    [
        f"<h1>{JOINT_TITLE}</h1><div class='docno'><span>财税〔2013〕81号</span></div>",
        f"<div class='title'><h1>{JOINT_TITLE}</h1><p>财税〔2013〕81号</p></div>",
        f"<h2>{JOINT_TITLE}<span>财税〔2013〕81号</span></h2>",
    ],
    ids=["span-below", "line-below", "beside"],
)
def test_an_unlabelled_doc_no_by_the_title_is_read(front: str) -> None:
    assert _joint(front + f"<div id='zoom'>{PARAGRAPHS}</div>").doc_no == "财税〔2013〕81号"


# --- labels -------------------------------------------------------------------------------------
def _labelled(meta: str) -> object:
    return parse_page(
        page(NAV + meta + f"<h1>关于某某事项的答复</h1><div id='zoom'>{PARAGRAPHS}</div>" + FOOTER,
             title="关于某某事项的答复"),
        "http://www.example.gov.cn/zwgk/202403/t20240305_9.html",
    )  # fmt: skip


EMPTY_DOC_NO = _labelled(
    "<table><tr><td>文号：</td><td>语种：中文</td></tr>"
    "<tr><td>发布机构：某某县司法局</td><td>成文日期：2024-03-05</td></tr></table>"
)


def test_an_empty_label_does_not_take_the_next_label_as_its_value() -> None:
    assert EMPTY_DOC_NO.doc_no == ""


def test_the_labels_beside_an_empty_one_are_still_read() -> None:
    assert EMPTY_DOC_NO.issuer == "某某县司法局"


@pytest.mark.parametrize("shown", ["无", "暂无", "/", "——"])
def test_a_doc_no_shown_as_none_is_empty(shown: str) -> None:
    meta = f"<table><tr><td>文号</td><td>{shown}</td><td>发布机构</td><td>某某县司法局</td></tr></table>"
    assert _labelled(meta).doc_no == ""


QA = _labelled("<div>答复单位：某某县教育局</div><div>答复时间：2024-03-05</div>")


def test_a_reply_names_its_issuer() -> None:
    assert QA.issuer == "某某县教育局"


def test_a_reply_dates_the_document() -> None:
    assert QA.doc_date == "2024-03-05"


# --- 来源 naming the portal's operator --------------------------------------------------------
def _sourced(source: str, footer: str = FOOTER) -> object:
    return parse_page(
        page(
            NAV + f"<h1>关于开展执法检查的通知</h1><div class='info'>来源：{source}</div>"
            f"<div id='zoom'>{PARAGRAPHS}<p>某某县司法局</p><p>2024年3月5日</p></div>" + footer,
            title="关于开展执法检查的通知_某某县人民政府",
        ),
        "http://www.example.gov.cn/zwgk/202403/t20240305_10.html",
    )  # fmt: skip


def test_a_portal_source_gives_way_to_the_signing_department() -> None:
    assert _sourced("某某县人民政府").issuer == "某某县司法局"


def test_the_displayed_source_is_kept() -> None:
    assert _sourced("某某县人民政府").source == "某某县人民政府"


def test_the_footers_operator_is_a_portal_source() -> None:
    assert _sourced("某某县人民政府办公室").issuer == "某某县司法局"


def test_a_departments_own_source_stays_the_issuer() -> None:
    assert _sourced("某某县教育局").issuer == "某某县教育局"


# --- a document that is itself a table -----------------------------------------------------
PENALTY_ROWS = "".join(
    f"<tr><td>{n}</td><td>某某公司{n}</td><td>超标排放</td><td>罚款{n}万元</td><td>2024-03-{n:02d}</td></tr>"
    for n in range(1, 9)
)
PROSE_SIDEBAR = (
    "<div class='side'><h3>工作动态</h3><p>"
    + "为深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，进一步提高政务公开质量和实效。"
    * 4
    + "</p></div>"
)
PENALTY_TABLE = parse_page(
    page(
        NAV + "<div class='main'><h1>某某县生态环境局行政处罚信息公开表</h1><div class='con'><table>"
        "<tr><th>序号</th><th>单位</th><th>违法行为</th><th>处罚</th><th>日期</th></tr>"
        + PENALTY_ROWS + "</table></div></div>" + PROSE_SIDEBAR,
        title="某某县生态环境局行政处罚信息公开表_某某县人民政府",
    ),
    "http://www.example.gov.cn/zwgk/202403/t20240305_11.html",
)  # fmt: skip


def test_a_table_of_short_cells_is_the_body() -> None:
    assert "8 某某公司8 超标排放 罚款8万元 2024-03-08" in PENALTY_TABLE.body_text


def test_a_prose_sidebar_loses_to_the_table() -> None:
    assert "工作动态" not in PENALTY_TABLE.body_text


OBFUSCATED = parse_page(
    page(
        "<div id='zoom'>" + PARAGRAPHS + "<p><a href=' jav&#x09;ascript:alert(1)'>链接一</a>"
        "<a href='data:text/html;base64,PHNjcmlwdD4='>链接二</a><img src='vbscript:msgbox(1)'>"
        "<svg onload='alert(4)'><circle/></svg><a href='/ok.html' style='x' target='_blank'>链接三</a></p></div>"
    ),
    "http://www.example.gov.cn/f/g.html",
)


@pytest.mark.parametrize(
    "hostile", ["ascript", "data:", "vbscript", "<svg", "onload", "style=", "target="]
)
def test_obfuscated_hostile_markup_never_survives(hostile: str) -> None:
    assert hostile not in OBFUSCATED.body_html


def test_a_plain_link_survives_sanitising() -> None:
    assert 'href="http://www.example.gov.cn/ok.html"' in OBFUSCATED.body_html


SANITISED = (
    "<div id='c'><p style='color:red' onclick='x()'>正文<a href='/a.html'>附</a></p>"
    "<script>alert(1)</script></div>"
)


def _content(markup: str) -> etree._Element:
    return etree.fromstring(f"<html><body>{markup}</body></html>", HTML_PARSER).find(".//div")


def test_sanitising_in_place_gives_what_sanitising_a_copy_gives() -> None:
    copied = sanitize(_content(SANITISED), "http://www.example.gov.cn/c/1.html")
    assert sanitize(_content(SANITISED), "http://www.example.gov.cn/c/1.html", in_place=True) == (
        copied
    )


def test_sanitising_a_copy_leaves_the_content_as_it_was() -> None:
    content = _content(SANITISED)
    before = etree.tostring(content)
    sanitize(content, "http://www.example.gov.cn/c/1.html")
    assert etree.tostring(content) == before
