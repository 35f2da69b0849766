"""CMS adapters, one module per CMS family: how its list pages, pagers and data proxies work, described
as data where possible (fingerprints, pager calls, data-proxy fields), each table entry with a comment."""
