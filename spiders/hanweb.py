"""Hanweb 大汉 JCMS sites: columns at ``col/colNNN/index.html`` whose records come from
``module/web/jpage/dataproxy.jsp`` (POST ``startrecord``/``endrecord``/``perpage`` with
``col=1``, ``webid``, ``columnid``, ``appid``…; XML with records in CDATA); details at
``art/YYYY/M/D/art_NNN_NNN.html``; attachments via ``module/download/downfile.jsp``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlencode, urljoin

from scrapy.http import FormRequest, Request, Response

from parsers.decode import decode_html
from parsers.listing import ListPage, parse_dataproxy
from spiders.base import GovSpider
from spiders.walk import END, ColumnWalk, stop_reason

DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
# jpage parameters as a column page writes them (ajaxParam, nextgroup links, variables).
_PARAM = re.compile(
    r"""(?P<key>webid|columnid|unitid|appid|perpage|perPage|webname|path|permissiontype)"""
    r"""\s*[:=]\s*['"]?(?P<value>[^'",}&\s<]+)"""
)
_COLUMN_ID = re.compile(r"/col/col(\d+)/")
DEFAULT_PERPAGE = 25
# dataproxy answers three pages of records per request.
PAGES_PER_REQUEST = 3


class HanwebSpider(GovSpider):
    """A Hanweb-family site: ``scrapy crawl hanweb -a site=NAME``."""

    name = "hanweb"
    family = "hanweb"

    def list_page(self, response: Response) -> ListPage:
        # dataproxy answers are <datastore> XML; a column page carries its first records
        # inline in the same form, inside a <script type="text/xml">.
        page = parse_dataproxy(response.body, response.url)
        # <totalpage> counts pages of ``perpage`` records, and one request answers three of
        # them: the walk checks the record total instead.
        page.total_pages = None
        return page

    def jpage_params(self, response: Response) -> dict[str, str]:
        text, _ = decode_html(response.body)
        params: dict[str, str] = {}
        for match in _PARAM.finditer(text):
            params.setdefault(match["key"].lower(), match["value"])
        column = _COLUMN_ID.search(response.url)
        if column:
            params.setdefault("columnid", column.group(1))
        for key, value in self.site.options.items():
            params[key.lower()] = str(value)
        params.setdefault("appid", "1")
        params.setdefault("webid", "1")
        params.setdefault("path", "/")
        params.setdefault("perpage", str(DEFAULT_PERPAGE))
        return params

    def dataproxy_request(
        self, response: Response, params: dict[str, str], start: int, column: str
    ) -> Request:
        perpage = int(params.get("perpage", DEFAULT_PERPAGE))
        end = start + perpage * PAGES_PER_REQUEST - 1
        query = urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
        form = {
            "col": "1",
            "appid": params["appid"],
            "webid": params["webid"],
            "path": params["path"],
            "columnid": params.get("columnid", ""),
            "sourceContentType": "1",
            "unitid": params.get("unitid", ""),
            "webname": params.get("webname", ""),
            "permissiontype": params.get("permissiontype", "0"),
        }
        return FormRequest(
            urljoin(response.url, f"{DATAPROXY_PATH}?{query}"),
            formdata=form,
            callback=self.parse_list,
            errback=self.on_error,
            meta={
                "kind": "list",
                "column": column,
                "dataproxy": True,
                "params": params,
                "start": start,
                "end": end,
            },
            dont_filter=True,
        )

    def expects_links(self, response: Response) -> bool:
        # A column page may carry no inline records: dataproxy.jsp answers them all.
        return bool(response.meta.get("dataproxy"))

    def next_list_requests(
        self, response: Response, page: ListPage, walk: ColumnWalk
    ) -> Iterable[Request]:
        """Records ``start``… of the column from dataproxy.jsp, until the declared total."""
        if not response.meta.get("dataproxy"):
            params = self.jpage_params(response)
            first = len(page.items) + 1  # the inline records are the first batch
        else:
            params = response.meta["params"]
            first = response.meta["end"] + 1
        total = page.total_records
        done = total is not None and first > total
        if done or (response.meta.get("dataproxy") and not page.items):
            walk.stopped = END
            return []
        walk.stopped = stop_reason(walk, self.site.max_pages, more=True)
        if walk.stopped:
            return []
        return [self.dataproxy_request(response, params, first, walk.start_url)]
