"""Spiders, one per CMS family (``trs``, ``hanweb``, ``generic``), and the site registry.

A site is data in ``sites.yaml``; ``scrapy crawl trs -a site=NAME`` crawls one site.
"""
