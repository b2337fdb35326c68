<?xml version="1.0" encoding="utf-8"?>
<!-- govarchive: an Atom feed opened in a browser reads as a page (feed readers ignore this). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="utf-8"/>
  <xsl:template match="/atom:feed">
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8"/>
        <title><xsl:value-of select="atom:title"/></title>
        <style>
          body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; max-width: 52em; margin: 1.5em auto; padding: 0 1em; line-height: 1.6; color: #222; }
          .about { background: #f3f6fa; padding: .6em 1em; border-radius: 4px; }
          .entry { border-bottom: 1px solid #e4e4e4; padding: .6em 0; }
          .meta { color: #666; font-size: .9em; }
          .event { display: inline-block; min-width: 5em; font-weight: bold; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="atom:title"/></h1>
        <p class="about">This is an Atom feed: copy its address into a feed reader to follow it.
          Updated <xsl:value-of select="atom:updated"/>;
          <xsl:value-of select="count(atom:entry)"/> entries, newest first.</p>
        <xsl:if test="not(atom:entry)"><p>No entries yet.</p></xsl:if>
        <xsl:for-each select="atom:entry">
          <div class="entry">
            <span class="event"><xsl:value-of select="atom:category/@term"/></span>
            <a href="{atom:link/@href}"><xsl:value-of select="atom:title"/></a>
            <div class="meta"><xsl:value-of select="atom:updated"/> · <xsl:value-of select="atom:author/atom:name"/></div>
          </div>
        </xsl:for-each>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
