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

    def parse_listing(self, response: Response) -> ListPage:
        # dataproxy answers are <datastore> XML; a column page carries its first records
        # inline in the same form, inside a <script type="text/xml">.
        return parse_dataproxy(response.body, response.url)

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
                "dont_redirect": True,
                "dataproxy": True,
                "params": params,
                "start": start,
                "end": end,
            },
            dont_filter=True,
        )

    def next_list_requests(self, response: Response, page: ListPage) -> Iterable[Request]:
        column_url = response.meta["column"]
        column = self.columns[column_url]
        if not response.meta.get("dataproxy"):
            params = self.jpage_params(response)
            column["params"] = params
            inline = len(page.items)
            if page.total_records is not None and inline >= page.total_records:
                column["complete"] = True
                return []
            # The inline records are the first batch; ask the proxy for the rest.
            return [self.dataproxy_request(response, params, inline + 1, column_url)]
        params = response.meta["params"]
        end = response.meta["end"]
        total = page.total_records
        column["index"] += 1
        if not page.items or (total is not None and end >= total):
            column["complete"] = True
            return []
        if self.site.max_pages and column["index"] >= self.site.max_pages:
            return []
        if not self.full_walk and column["streak"] >= 2:
            return []
        return [self.dataproxy_request(response, params, end + 1, column_url)]
