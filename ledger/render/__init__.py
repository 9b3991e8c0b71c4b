"""Output: the site, its pages and charts, exports, terminal views, languages, the build."""
