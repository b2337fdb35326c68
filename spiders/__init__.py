"""Spiders, one per CMS family, and the site registry.

A site is data in ``sites.yaml``; ``scrapy crawl trs -a site=NAME`` crawls one site.
``FAMILY_SPIDERS`` is the one list of families: the registry accepts these names and the
runner starts these classes.
"""

FAMILY_SPIDERS: dict[str, str] = {
    "trs": "spiders.trs.TrsSpider",
    "hanweb": "spiders.hanweb.HanwebSpider",
    "generic": "spiders.generic.GenericSpider",
    "json": "spiders.jsonlist.JsonListSpider",
    "gkmlpt": "spiders.gkmlpt.GkmlptSpider",
}
